# Sourced by .ci/run.
#
# toolchain_path DIR: fills DIR with links to the programs a build needs
# (the Rust toolchain, the C compiler and linker, cmake, make and nasm for
# libjpeg-turbo, a shell) and prints DIR, for a PATH holding nothing else:
# a test that runs any other program without being ignored with its reason
# then fails, as it would on a machine where only the README's first
# command ran.
toolchain_path() {
    local dir=$1 tool path
    mkdir -p "$dir"
    for tool in cargo rustc rustdoc rustup cc gcc c++ g++ cpp ld ld.bfd as ar ranlib strip \
                cmake make nasm sh bash env uname; do
        path=$(command -v "$tool" 2>/dev/null) || continue
        ln -sf "$path" "$dir/$tool"
    done
    echo "$dir"
}
