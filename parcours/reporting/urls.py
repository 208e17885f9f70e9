from parcours.reporting import dashboard_urls, report_urls

app_name = "reporting"

urlpatterns = [*dashboard_urls.urlpatterns, *report_urls.urlpatterns]
