#!/usr/bin/env bash
# Creates a development certificate authority and certificates with openssl:
#   DIR/ca.pem, DIR/ca.key          the development CA (10 years)
#   DIR/server.pem, DIR/server.key  for the services: localhost, 127.0.0.1, ::1 (+ $ENT_CERT_HOSTS)
#   DIR/client.pem, DIR/client.key  a client certificate for mutual TLS (CN=entctl-dev)
#   DIR/convention.pem, DIR/convention.key
#                                   convention-service's client certificate, which it presents
#                                   to billing-service (--billing-cert-file): SAN
#                                   URI:spiffe://ent.ac-montpellier.fr/convention-service
# Usage: deploy/dev-certs.sh [DIR]   (default ./data/tls). Existing files are kept.
# For production, use certificates from the académie's PKI instead.
set -euo pipefail
DIR="${1:-data/tls}"
mkdir -p "$DIR"
cd "$DIR"
[ -s server.pem ] && [ -s client.pem ] && [ -s convention.pem ] && exit 0
umask 077

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.pem \
  -subj "/O=ENT-ecole dev/CN=ENT-ecole development CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for host in ${ENT_CERT_HOSTS:-}; do san="$san,DNS:$host"; done

issue() {  # name subject extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -out "$1.pem" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
issue server "/O=ENT-ecole dev/CN=localhost" \
  "subjectAltName=$san
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment"
issue client "/O=ENT-ecole dev/CN=entctl-dev" \
  "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment"
issue convention "/O=ENT-ecole dev/CN=ent-convention-service" \
  "subjectAltName=URI:spiffe://ent.ac-montpellier.fr/convention-service
extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment"
rm -f ca.srl
chmod 644 ca.pem server.pem client.pem convention.pem
echo "created development CA and certificates in $DIR"
