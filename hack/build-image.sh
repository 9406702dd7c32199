#!/usr/bin/env bash
# Builds and pushes the operator image where no base image can be pulled: assembles a small base from this machine
# (a jlink-ed Java runtime, the shared libraries it links against, a non-root user) and pushes it, then builds the
# operator on top of it with Quarkus' Jib extension, the same build a user with internet access runs on a public base
# (see the README). Usage: hack/build-image.sh REGISTRY[/PREFIX] [TAG]   (a plain-HTTP registry such as 127.0.0.1:5000)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=hack/lib/oci-layer.sh
source hack/lib/oci-layer.sh
REGISTRY="${1:?usage: hack/build-image.sh REGISTRY[/PREFIX] [TAG]}"
TAG="${2:-dev}"
HOST="${REGISTRY%%/*}"
BASE="$REGISTRY/java-base:17-jlink"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The modules the operator loads (jdeps cannot read the app's multi-release jars; the list is what a run of the ITs
# loads): TLS with EC keys, JMX and com.sun.management for metrics, JNDI (Netty's and Vert.x's DNS and TLS code names
# it), Unsafe for Netty and Caffeine, the zip file system. No java.xml, java.sql or java.security.jgss: nothing the
# operator runs loads them. No java.desktop: it drags in X11 and sound libraries.
MODULES=java.base,java.logging,java.management,java.naming,java.net.http,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs
ROOT="$WORK/rootfs"
# --compress=0: the layer is gzipped anyway, and gzip shrinks uncompressed class files further than it shrinks
# jlink's zip-compressed ones (4.2 MiB less in the compressed layer). The JDK's shared libraries and launchers keep
# only the symbols they export (libjvm.so's symbol table is 4 MB).
jlink --add-modules "$MODULES" --output "$ROOT/opt/java" --strip-debug --no-man-pages --no-header-files --compress=0
find "$ROOT/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec strip --strip-unneeded {} +
# The shared libraries the runtime links against (those outside it), copied at their own paths, and the dynamic loader.
for lib in $(find "$ROOT/opt/java" -type f \( -name java -o -name '*.so' \) -exec ldd {} \; 2>/dev/null \
             | awk '$3 ~ /^\// {print $3} $1 ~ /^\/lib/ {print $1}' | grep -v "^$ROOT/" | sort -u); do
  mkdir -p "$ROOT$(dirname "$lib")"; cp -L "$lib" "$ROOT$lib"
done
mkdir -p "$ROOT/etc" "$ROOT/tmp" "$ROOT/home/jboss"
chmod 1777 "$ROOT/tmp"
echo "root:x:0:0:root:/root:/sbin/nologin" > "$ROOT/etc/passwd"
echo "nonroot:x:65532:65532:nonroot:/home/jboss:/sbin/nologin" >> "$ROOT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$ROOT/etc/group"
chown 65532:65532 "$ROOT/home/jboss"

LAYOUT="$WORK/oci"
umoci init --layout "$LAYOUT" >/dev/null
umoci new --image "$LAYOUT:base" >/dev/null
add_tree_layer "$LAYOUT:base" "$ROOT"
umoci config --image "$LAYOUT:base" --config.user 65532:65532 --config.workingdir /home/jboss \
  --config.env PATH=/opt/java/bin:/usr/bin:/bin --config.env JAVA_HOME=/opt/java \
  --os linux --architecture amd64 >/dev/null
skopeo copy --quiet --dest-tls-verify=false "oci:$LAYOUT:base" "docker://$BASE"
echo "[build-image] base $BASE pushed" >&2

# zstd-jni carries libzstd for 18 platforms (5.8 MiB compressed); the image is linux/amd64, so the others are left
# out of its copy of the jar. (This build also leaves target/quarkus-app without them: `./mvnw package` restores
# them for the CLI on other platforms.)
ZSTD_VERSION=$(python3 -c '
import sys, xml.etree.ElementTree as et
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
for d in et.parse("pom.xml").getroot().iterfind(".//m:dependency", ns):
    if d.findtext("m:artifactId", namespaces=ns) == "zstd-jni":
        print(d.findtext("m:version", namespaces=ns))')
ZSTD_JAR="${MAVEN_REPO:-$HOME/.m2/repository}/com/github/luben/zstd-jni/$ZSTD_VERSION/zstd-jni-$ZSTD_VERSION.jar"
[[ -f "$ZSTD_JAR" ]] || ./mvnw -B -q dependency:get -Dartifact="com.github.luben:zstd-jni:$ZSTD_VERSION" -Dtransitive=false
OTHER_PLATFORMS=$(unzip -Z1 "$ZSTD_JAR" | grep -E '\.(so|dll|dylib)$' | grep -v '^linux/amd64/' | paste -sd, -)

./mvnw -B -q package -DskipTests \
  "-Dquarkus.class-loading.removed-resources.\"com.github.luben:zstd-jni\"=$OTHER_PLATFORMS" \
  -Dquarkus.container-image.build=true -Dquarkus.container-image.push=true \
  -Dquarkus.container-image.insecure=true \
  -Dquarkus.container-image.image="$REGISTRY/image-size-operator:$TAG" \
  -Dquarkus.jib.base-jvm-image="$BASE"
IMAGE="$REGISTRY/image-size-operator:$TAG"

# The layers holding jars get them back with stored (not deflated) entries: the layer's gzip then compresses across
# class files, 7 MiB less to pull (hack/store-jars.py). Same files, same layer order.
skopeo copy --quiet --src-tls-verify=false "docker://$IMAGE" "oci:$WORK/app:$TAG"
python3 hack/store-jars.py "$WORK/app" "$TAG"
skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/app:$TAG" "docker://$IMAGE"
echo "$IMAGE"
