"""gunicorn's settings for Digest: ``gunicorn -c python:config.gunicorn config.wsgi:application``.

Used by ``manage.py rundigest --production`` and the Docker image; the address comes from ``--bind``.
Workers, threads and the request timeout come from Django settings (``DIGEST_WEB_*``, README), and
gunicorn's own error and access logs go through Digest's ``LOGGING`` (time, level, logger).
"""

import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

wsgi_app = "config.wsgi:application"
workers = settings.DIGEST_WEB_WORKERS
# More than one thread per process makes gunicorn use its threaded worker: a slow request (a large
# paste) then does not hold a whole process while the list pages poll for updates.
threads = settings.DIGEST_WEB_THREADS
timeout = settings.DIGEST_WEB_TIMEOUT
# Seconds in-flight requests get to finish on SIGTERM: below rundigest's STOP_TIMEOUT and Docker's 10 s.
graceful_timeout = 8
# Replaces gunicorn's logging setup with Digest's (settings.LOGGING names gunicorn's two loggers).
logconfig_dict = settings.LOGGING
accesslog = "-"
# gunicorn's runtime control socket lives in the home folder, one path for every instance on the machine;
# Digest does not use it.
control_socket_disable = True
# The time and the logger come from LOGGING's format; %(M)s is the request's duration in milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
# gunicorn's worker heartbeat file: in memory where /dev/shm exists (a container's /tmp may be on a slow disk).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
