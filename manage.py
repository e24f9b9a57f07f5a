#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import sys


def main() -> None:
    from config.dotenv import use_settings_module

    # The environment, else DJANGO_SETTINGS_MODULE in .env, else development settings.
    use_settings_module("config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
