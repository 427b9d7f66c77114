"""``manage.py rundigest``: run the web server, a Celery worker with beat, and the default broker.

What ``make run`` calls. Ctrl-C stops all of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from config.broker import start_private_redis
from config.celery import worker_command


class Command(BaseCommand):
    help = "Run Digest for one machine: web server, worker (with beat) and, without REDIS_URL, a private Redis."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--concurrency", type=int, default=int(os.environ.get("DIGEST_WORKER_CONCURRENCY", "2")))

    def handle(self, *args, **options):
        # A service manager stops us with SIGTERM, a closed terminal with SIGHUP: both stop
        # everything, as Ctrl-C does. Children run in their own sessions so that only this process
        # decides the order (web and worker first, the broker last).
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        procs: list[tuple[str, subprocess.Popen]] = []
        if settings.DIGEST_PRIVATE_REDIS:
            procs.append(("broker", start_private_redis(settings.DIGEST_PRIVATE_REDIS_SOCKET)))
            self.stdout.write(f"Broker: private redis-server on {settings.DIGEST_PRIVATE_REDIS_SOCKET}")
        else:
            self.stdout.write(f"Broker: {settings.CELERY_BROKER_URL}")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        worker = worker_command(concurrency=options["concurrency"], schedule=settings.DATA_DIR / "celerybeat-schedule")
        procs.append(("worker", subprocess.Popen(worker, start_new_session=True)))
        web = [sys.executable, "manage.py", "runserver", "--noreload", f"{options['host']}:{options['port']}"]
        procs.append(("web", subprocess.Popen(web, cwd=settings.BASE_DIR, start_new_session=True)))
        self.stdout.write(
            self.style.SUCCESS(f"Digest is running at http://{options['host']}:{options['port']}/  (Ctrl-C stops it)")
        )
        try:
            while all(p.poll() is None for _, p in procs):
                time.sleep(0.5)
            for name, p in procs:
                if p.poll() is not None:
                    self.stderr.write(f"{name} exited with code {p.returncode}; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            for _, p in reversed(procs):
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            self.stdout.write("Stopped.")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
