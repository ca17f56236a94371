#!/bin/sh
# docker-compose.yml's certbot: a certificate for nginx, renewed, by Let's Encrypt's
# HTTP-01 webroot route.
#
# 1. Without a certificate yet, write a self-signed one so nginx can start (and
#    answer the challenge on port 80).
# 2. With RELAY_DOMAIN and ACME_EMAIL set: `certbot certonly --webroot` into the
#    directory nginx serves at /.well-known/acme-challenge/ (exempt from the
#    HTTPS redirect). --keep-until-expiring makes the same command a no-op until
#    the certificate is within 30 days of expiry, so running it twice a day is
#    the renewal.
# 3. Copy the result with `cp -L`: live/ holds symlinks into archive/, which a
#    mount of live/ alone would leave dangling. nginx sees the new file's time and
#    reloads (deploy/compose/nginx.sh).
set -eu
tls=/tls
domain=${RELAY_DOMAIN:-}
webroot=/var/www/acme

if [ ! -s "$tls/fullchain.pem" ]; then
    python3 /compose/selfsigned.py "${domain:-localhost}" "$tls"
fi
if [ -z "$domain" ] || [ -z "${ACME_EMAIL:-}" ]; then
    echo "RELAY_DOMAIN or ACME_EMAIL is not set in .env: nginx keeps the self-signed certificate"
    while :; do sleep 86400; done
fi

while :; do
    if certbot certonly --webroot -w "$webroot" -d "$domain" -m "$ACME_EMAIL" \
            --agree-tos --non-interactive --keep-until-expiring; then
        live=/etc/letsencrypt/live/$domain
        cp -L "$live/privkey.pem" "$tls/privkey.pem.new"
        cp -L "$live/fullchain.pem" "$tls/fullchain.pem.new"
        if ! cmp -s "$tls/fullchain.pem.new" "$tls/fullchain.pem"; then
            # The key first: nginx reloads on the certificate's change.
            mv "$tls/privkey.pem.new" "$tls/privkey.pem"
            mv "$tls/fullchain.pem.new" "$tls/fullchain.pem"
        fi
        rm -f "$tls"/*.new
        sleep 43200
    else
        # nginx may not be answering on port 80 yet, or DNS not point here yet.
        echo "certbot failed; trying again in 5 minutes" >&2
        sleep 300
    fi
done
