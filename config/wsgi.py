"""WSGI entry point for gunicorn."""

from django.core.wsgi import get_wsgi_application

from config.dotenv import use_settings_module

# The environment, else .env, else production (gunicorn serves production only).
use_settings_module("config.settings.production")

application = get_wsgi_application()
