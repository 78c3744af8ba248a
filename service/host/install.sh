# Installs the workload service on an Amazon Linux 2023 host and starts it under systemd; the
# stage's user data runs it after setting ZTM_BUNDLE, ZTM_REGION, ZTM_RDS_CA and ZTM_LOCAL_DATA and
# writing /etc/zero-to-millions/environment. Idempotent: stage 1 runs it at every boot.
# Its exit status is what CloudFormation is signalled: it succeeds only once the app answers.

# Node.js 24 from AL2023's namespaced package: /usr/bin/node-24 keeps its version in its name.
retry dnf install -y nodejs24
id ztm >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin ztm
install -d -m 0755 /opt/zero-to-millions
retry aws s3 cp "$ZTM_BUNDLE" /opt/zero-to-millions/server.js --region "$ZTM_REGION" --only-show-errors
if [ "$ZTM_RDS_CA" = true ]; then
  # The RDS certificate authorities of the region, so the service verifies the database.
  curl -sf --retry 5 -o /etc/zero-to-millions/rds-ca.pem "https://truststore.pki.rds.amazonaws.com/$ZTM_REGION/$ZTM_REGION-bundle.pem"
fi
if [ "$ZTM_LOCAL_DATA" = true ]; then
  # Stage 1: PostgreSQL and Valkey on this host, listening on localhost only (their defaults).
  retry dnf install -y postgresql15-server valkey
  [ -f /var/lib/pgsql/data/PG_VERSION ] || postgresql-setup --initdb
  systemctl enable --now postgresql valkey
  runuser -u postgres -- psql -tc "SELECT 1 FROM pg_roles WHERE rolname = 'ztm'" | grep -q 1 || runuser -u postgres -- createuser ztm
  runuser -u postgres -- psql -tc "SELECT 1 FROM pg_database WHERE datname = 'app'" | grep -q 1 || runuser -u postgres -- createdb -O ztm app
  install -d /etc/systemd/system/zero-to-millions.service.d
  printf '[Unit]\nAfter=postgresql.service valkey.service\nWants=postgresql.service valkey.service\n' >/etc/systemd/system/zero-to-millions.service.d/local-data.conf
fi
install -m 0644 /etc/zero-to-millions/zero-to-millions.service /etc/systemd/system/zero-to-millions.service
systemctl daemon-reload
systemctl enable zero-to-millions
# restart, not start: where this script runs at every boot, a new bundle replaces a running one.
systemctl restart zero-to-millions
curl -sf -o /dev/null --retry 30 --retry-delay 2 --retry-connrefused "http://127.0.0.1:$ZTM_PORT/healthz"
