"""The application's URLs, plus the benchmark floor when the project does not route it yet."""

from django.urls import Resolver404, path, resolve

from parcours.demo.views import bench_floor
from parcours.urls import urlpatterns as application

urlpatterns = list(application)
try:
    resolve("/_bench/floor/", urlconf="parcours.urls")
except Resolver404:
    urlpatterns.insert(0, path("_bench/floor/", bench_floor, name="bench_floor"))
