# Sourced by the scripts that start PostgreSQL on loopback for tests and drills
# (scripts/postgres-test-cluster.sh, scripts/ha/cluster.sh): a throw-away CA and a server
# certificate for localhost and 127.0.0.1, valid 30 days, so every connection verifies TLS
# (SSL Mode=VerifyFull) as production ones must.
#
#   make_loopback_certificates DIR "CA common name"
#   -> DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key (keys 0600)
make_loopback_certificates() {
  local tls="$1" name="$2"
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=$name" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 30 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
  chmod 600 "$tls/server.key" "$tls/ca.key"
}
