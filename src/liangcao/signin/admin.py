"""TOTP devices are registered by django_otp's own admin (read-only key display there);
resetting a device is `manage.py otp_reset`. This app has no models of its own."""
