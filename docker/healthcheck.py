"""Container healthcheck for the web service: GET /healthz over plain HTTP inside the container.

Sends the first concrete name from ALLOWED_HOSTS as the Host header, since Django refuses any
other; /healthz is exempt from the HTTPS redirect. Exit 0 when healthy, 1 otherwise.
"""

import os
import sys
import urllib.error
import urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and "*" not in h), "localhost")
request = urllib.request.Request("http://127.0.0.1:8000/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed http URL)
        sys.exit(0 if response.status == 200 else 1)
except (urllib.error.URLError, OSError) as exc:
    print(f"healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
