"""The application: use cases and background jobs, the same for every channel.

Channels translate platform events in and render replies out; everything that decides
(what is due, who is told, what waits) lives here and in the services it drives.
"""
