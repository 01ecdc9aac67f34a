app_name = "referentiel"

urlpatterns: list = []
