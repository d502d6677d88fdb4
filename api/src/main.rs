//! `platform-gateway`: parses the command line and hands over to the library.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = api::config::Cli::parse();
    api::init_tracing(&cli.log_level, cli.log_json);
    match api::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "platform-gateway stopped");
            eprintln!("platform-gateway: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
