//! The `clearinghouse` binary: `serve`, `worker`, `migrate`, `audit verify`, `bench`.

fn main() -> std::process::ExitCode {
    clearinghouse::cli::run()
}
