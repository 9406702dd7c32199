#!/usr/bin/env bash
# Refreshes the committed CRDs in crds/ and in the Helm chart (helm/image-size-operator/crds/) from the ones the
# build generates out of the classes in dev.imagesize.api (target/classes/META-INF/fabric8/). Never edit either copy
# by hand: change the Java classes and run this; CrdDriftTest fails while they differ.
# Usage: hack/update-crds.sh [--no-build]   (--no-build: only copy what the last build generated)
# MVN picks the Maven command (default: mvn if installed, else ./mvnw); MVN_ARGS adds options, e.g. -o.
set -euo pipefail

cd "$(dirname "$0")/.."
GENERATED=target/classes/META-INF/fabric8
GROUP=imagesize.dev

if [[ "${1:-}" != "--no-build" ]]; then
  mvn_cmd="${MVN:-$(command -v mvn || echo ./mvnw)}"
  # shellcheck disable=SC2086
  "$mvn_cmd" -B -q ${MVN_ARGS:-} process-classes
fi

shopt -s nullglob
generated=("$GENERATED"/*."$GROUP"-v1.yml)
if ((${#generated[@]} == 0)); then
  echo "no CRDs of group $GROUP in $GENERATED: build first (or drop --no-build)" >&2
  exit 1
fi

for dir in crds helm/image-size-operator/crds; do
  mkdir -p "$dir"
  rm -f "$dir"/*."$GROUP"-v1.yml
  cp "${generated[@]}" "$dir"/
  printf 'updated %s\n' "${generated[@]/#$GENERATED/$dir}"
done
