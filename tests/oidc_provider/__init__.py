"""A small OpenID Connect provider (django-oauth-toolkit) that the tests start in a second process, so
that Parcours's login through a provider is tested against a real one over HTTP.

`server.running_provider()` starts it on a free 127.0.0.1 port with its own SQLite file, its users
and one client application, and stops it afterwards."""
