#!/usr/bin/env bash
# Builds target/dropscope_<version>_all.deb (dpkg-deb) and target/dropscope-<version>.tar.gz from the jar that
# `make build` made. Usage: build-package.sh [TARGET_DIR] (default: target). Needs java, dpkg-deb, gzip.
# The man page and the completions are generated from the jar's command-line model, so they always match it;
# the class list (start-up training) is made here if `make build` has not made one.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
target=$(cd "${1:-$repo/target}" && pwd -P)
jar=$target/dropscope.jar
[ -f "$jar" ] || { echo "build-package: $jar not found; run 'make build' first" >&2; exit 1; }
java=$(DROPSCOPE_JAR="$jar" DROPSCOPE_PRINT_JAVA=1 "$repo/packaging/dropscope")
version=$(unzip -p "$jar" dropscope-version.properties | sed -n 's/^version=//p')
[ -n "$version" ] || { echo "build-package: no version in $jar" >&2; exit 1; }
[ -f "$target/classes.lst" ] || "$repo/packaging/train-classlist.sh" "$jar" "$target/classes.lst"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen=$work/gen
mkdir -p "$gen"
"$java" -cp "$jar" dev.dropscope.cli.ManPage "$gen/dropscope.1"
"$java" -cp "$jar" picocli.AutoComplete --force -n dropscope -o "$gen/picocli.bash" dev.dropscope.cli.Main >/dev/null
sed '1{/^#!/d}' "$gen/picocli.bash" > "$gen/dropscope.bash"   # sourced, never run: no #! line
# who the package says maintains it: Debian's usual DEBFULLNAME/DEBEMAIL, else a placeholder lintian flags
maintainer="${DEBFULLNAME:-dropscope developers} <${DEBEMAIL:-dropscope@localhost}>"
# zsh: picocli's script is bash completion that zsh runs through bashcompinit. compinit autoloads this file as
# the function _dropscope on the first TAB: it defines the bash functions, whose `complete -F` replaces
# _dropscope for later TABs, and completes this first one itself.
{
    echo '#compdef dropscope'
    echo '# dropscope completion for zsh: the bash completion, through zsh'"'"'s bashcompinit'
    echo 'autoload -U +X bashcompinit && bashcompinit'
    cat "$gen/dropscope.bash"
    echo '_bash_complete -F _complete_dropscope "$@"'
} > "$gen/_dropscope"
unit=$repo/packaging/dropscope-serve.service   # written by the serve work; shipped when present

# --- the .deb ---
root=$work/deb
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/dropscope" "$root/usr/share/man/man1" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/doc/dropscope"
install -m 0755 "$repo/packaging/dropscope" "$root/usr/bin/dropscope"
install -m 0644 "$jar" "$target/classes.lst" "$root/usr/share/dropscope/"
gzip -9n < "$gen/dropscope.1" > "$root/usr/share/man/man1/dropscope.1.gz"
install -m 0644 "$gen/dropscope.bash" "$root/usr/share/bash-completion/completions/dropscope"
install -m 0644 "$gen/_dropscope" "$root/usr/share/zsh/vendor-completions/_dropscope"
if [ -f "$unit" ]; then
    install -d "$root/lib/systemd/system"
    install -m 0644 "$unit" "$root/lib/systemd/system/dropscope-serve.service"
fi
gzip -9n < "$repo/README.md" > "$root/usr/share/doc/dropscope/README.md.gz"
cat > "$root/usr/share/doc/dropscope/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: dropscope
Comment: The jar bundles picocli, Lanterna, JNA, jnr-ffi and Jackson (Apache-2.0 or LGPL-2.1+/Apache-2.0
 dual licensed); their licences are in the jar's META-INF.

Files: *
Copyright: $(date -u +%Y -d @"$(stat -c %Y "$jar")") dropscope developers
License: see the source repository
COPY
{
    echo "dropscope ($version) unstable; urgency=medium"
    echo
    echo "  * Built from the source tree by packaging/build-package.sh."
    echo
    echo " -- $maintainer  $(date -R -d @"$(stat -c %Y "$jar")")"
} | gzip -9n > "$root/usr/share/doc/dropscope/changelog.gz"   # a native package: changelog, not changelog.Debian

install -m 0755 "$repo/packaging/debian/postinst" "$repo/packaging/debian/postrm" "$root/DEBIAN/"
install -m 0644 "$repo/packaging/debian/triggers" "$root/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s|@MAINTAINER@|$maintainer|" "$repo/packaging/debian/control" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
deb=$target/dropscope_${version}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "package: $deb ($(( $(stat -c %s "$deb") / 1024 )) KiB, Installed-Size $size KiB)"

# --- the tarball: the same files under one directory, for other distributions ---
name=dropscope-$version
t=$work/$name
install -d "$t/bin" "$t/share/dropscope" "$t/share/man/man1" "$t/share/bash-completion/completions" \
    "$t/share/zsh/site-functions"
install -m 0755 "$repo/packaging/dropscope" "$t/bin/dropscope"
install -m 0644 "$jar" "$target/classes.lst" "$t/share/dropscope/"
install -m 0644 "$gen/dropscope.1" "$t/share/man/man1/dropscope.1"
install -m 0644 "$gen/dropscope.bash" "$t/share/bash-completion/completions/dropscope"
install -m 0644 "$gen/_dropscope" "$t/share/zsh/site-functions/_dropscope"
if [ -f "$unit" ]; then
    install -d "$t/lib/systemd/system"
    install -m 0644 "$unit" "$t/lib/systemd/system/dropscope-serve.service"
fi
install -m 0644 "$repo/README.md" "$t/README.md"
tgz=$target/$name.tar.gz
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$tgz" "$name"
echo "tarball: $tgz ($(( $(stat -c %s "$tgz") / 1024 )) KiB)"
