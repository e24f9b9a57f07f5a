"""Indexes that let a submission's history be read a page at a time (issue 17).

Raw SQL because the historical tables belong to django-simple-history (no Meta of ours to put them
in); the indexes change no model state, so makemigrations leaves them alone.
- value history by (submission, version): the newest saves, and the records of the saves shown;
- value history by (record id, history id): a cell's previous record in one index step;
- explanation history by (submission, moment): the newest explanations without sorting them all.
"""

from django.db import migrations

INDEXES = {
    "hist_value_sub_version": "submissions_historicalvalue (submission_id, changed_in_version, history_date)",
    "hist_value_id_history": "submissions_historicalvalue (id, history_id)",
    "hist_explanation_sub_date": "submissions_historicalexplanation (submission_id, history_date, history_id)",
}


class Migration(migrations.Migration):

    dependencies = [
        ("submissions", "0012_audit_action_types"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {target}", f"DROP INDEX IF EXISTS {name}")
        for name, target in INDEXES.items()
    ]
