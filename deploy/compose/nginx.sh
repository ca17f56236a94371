#!/bin/sh
# docker-compose.yml's nginx: render deploy/nginx/toast-relay.conf for compose,
# start nginx, and reload it when certbot hands over a new certificate.
#
# The rendering swaps the host's upstream group for the relay's service name
# looked up through Docker's resolver (see the comment at `set $relay_upstream`)
# and drops the IPv6 listeners (compose networks are IPv4 unless you enable
# IPv6; Docker still publishes the ports on the host's IPv6). NGINX_MICROCACHE=on
# (from .env) also removes the "#mc " marks: the micro-cache for screen answers. Any
# other value but off is refused. RENDER_ONLY=1 stops after writing DST (the tests
# render it that way).
set -eu
src=${SRC:-/etc/nginx/toast-relay.conf.example}
dst=${DST:-/etc/nginx/conf.d/default.conf}
cert=${CERT:-/etc/nginx/tls/fullchain.pem}

set -- -e '/^ *set \$relay_upstream toast_relay;/d' \
       -e 's/^\( *\)# \(set \$relay_upstream relay:8080;\)$/\1\2/' \
       -e 's/^\( *\)# \(resolver 127\.0\.0\.11 .*;\)$/\1\2/' \
       -e '/listen \[::\]/d'
case "${NGINX_MICROCACHE:-off}" in
    on) set -- "$@" -e 's/^\( *\)#mc /\1/' ;;
    off) ;;
    *) echo "NGINX_MICROCACHE must be on or off, not '$NGINX_MICROCACHE'" >&2; exit 2 ;;
esac
sed "$@" "$src" > "$dst"
[ -n "${RENDER_ONLY:-}" ] && exit 0

# certbot writes a self-signed certificate before anything else; wait (bounded) for it.
i=0
until [ -s "$cert" ]; do
    i=$((i + 1))
    if [ "$i" -gt 120 ]; then echo "no certificate at $cert after 120 s" >&2; exit 1; fi
    sleep 1
done

nginx -g 'daemon off;' &
pid=$!
trap 'kill -TERM "$pid"' TERM INT
stamp() { stat -L -c %Y "$cert" 2>/dev/null || echo 0; }
last=$(stamp)
# A renewed certificate (or the first real one replacing the self-signed) is read
# by a reload: nginx keeps its connections and re-reads the files.
while kill -0 "$pid" 2>/dev/null; do
    sleep 60 &
    wait $! || true
    now=$(stamp)
    if [ "$now" != "$last" ]; then
        last=$now
        nginx -s reload
    fi
done
wait "$pid"
