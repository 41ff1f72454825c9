#!/bin/sh
# Regenerates the static TLS fixtures that `cryptography` refuses to make (run once, by hand,
# from this folder; needs the openssl CLI). The fixture root's key is thrown away afterwards on
# purpose: nothing new can ever be signed by the committed root.
set -eu
work=$(mktemp -d)
cp fixture-ca.cnf "$work/ca.cnf"
cd "$work"
mkdir newcerts && touch index.txt && echo 1000 > serial
openssl genrsa -out root.key 2048
LEAFNAME=x openssl req -new -key root.key -subj "/O=launchready fixtures/CN=launchready fixture root" -out root.csr
LEAFNAME=x openssl ca -batch -config ca.cnf -selfsign -keyfile root.key -in root.csr \
  -startdate 20260101000000Z -enddate 20460101000000Z -md sha256 -extensions root -out root.pem
for spec in sha1:sha1:2048 md5:md5:2048 rsa512:sha256:512; do
  n=${spec%%:*}; rest=${spec#*:}; md=${rest%%:*}; bits=${rest#*:}
  openssl genrsa -out "$n.key" "$bits"
  openssl req -new -key "$n.key" -subj "/CN=$n.launch.test" -out "$n.csr"
  LEAFNAME=$n.launch.test openssl ca -batch -config ca.cnf -cert root.pem -keyfile root.key \
    -in "$n.csr" -startdate 20260101000000Z -enddate 20460101000000Z -md "$md" -extensions leaf \
    -notext -out "$n.pem"
done
cd - >/dev/null
cp "$work/root.pem" fixture-root.pem
for n in sha1 md5 rsa512; do cp "$work/$n.pem" "$n.launch.test.pem"; cp "$work/$n.key" "$n.launch.test.key"; done
rm -rf "$work"
