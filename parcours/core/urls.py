from django.http import HttpResponse
from django.urls import path

app_name = "core"


def home(request):
    return HttpResponse("Parcours")


urlpatterns = [path("", home, name="home")]
