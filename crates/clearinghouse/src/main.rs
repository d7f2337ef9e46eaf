//! The `clearinghouse` binary: `serve`, `worker`, `migrate`, `audit verify`, `bench`.

/// mimalloc, not glibc's allocator: under `bench api` a quarter of a
/// loaded server's time went to glibc's malloc and free (its arena
/// consolidation most of all), for the many small strings of decoded rows.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    clearinghouse::cli::run()
}
