"""The refusals of the submission and edition services, shared so neither module imports the other."""


class SubmissionLocked(Exception):
    """A write to a submission that may not change; the message says why and whom to contact."""


class TransitionNotAllowed(Exception):
    """A workflow step that is not allowed now, for this user; the message says why."""
