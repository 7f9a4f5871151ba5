from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "liangcao.signin"
    verbose_name = "Sign-in protection"
