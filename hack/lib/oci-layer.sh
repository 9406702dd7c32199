# Sourced by the scripts that build images on this machine (hack/build-image.sh, hack/run-local.sh, bench/*.sh).
# umoci 0.4.7's `insert` writes a layer whose tar stream ends without the last file's padding and the end-of-archive
# blocks: GNU tar, Go's archive/tar (containerd) and `imagesize analyze` all refuse it as truncated. These helpers
# write the layer with GNU tar (numeric owners, entries sorted, file times kept) and append it verbatim with
# `umoci raw add-layer`.

# add_tree_layer LAYOUT:TAG DIR [NEW_TAG]: appends DIR's contents as a layer, at the image's root.
add_tree_layer() {
  local image=$1 dir=$2 new_tag=${3:-} tar_file
  tar_file="$(mktemp)"
  # entries named without a leading ./, as image builders write them
  (cd "$dir" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | sort -z |
    tar --null -T - --sort=name --numeric-owner --format=pax --pax-option=delete=atime,delete=ctime -cf "$tar_file")
  umoci raw add-layer --image "$image" ${new_tag:+--tag "$new_tag"} "$tar_file" >/dev/null
  rm -f "$tar_file"
}

# add_file_layer LAYOUT:TAG FILE PATH [NEW_TAG]: appends a layer holding FILE at PATH (absolute, in the image).
add_file_layer() {
  local image=$1 file=$2 path=$3 new_tag=${4:-} tree
  tree="$(mktemp -d)"
  mkdir -p "$tree$(dirname "$path")"
  cp "$file" "$tree$path"
  add_tree_layer "$image" "$tree" "$new_tag"
  rm -rf "$tree"
}
