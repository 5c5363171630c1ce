//! `yishi`: the server (`serve`, the default), `migrate` and `openapi`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use yishi_api::{app, openapi, telemetry, AppOptions, Application, Config};

#[derive(Parser)]
#[command(name = "yishi", version, about = "Yishi 议事: village and community governance backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (YAML) and exit.
    Openapi,
    /// Load the demo county (development only; a second run changes nothing).
    SeedDemo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        return match openapi::yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("cannot render the OpenAPI document: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(config.log_json);
    let runtime = actix_web::rt::System::new();
    let result: Result<(), Box<dyn std::error::Error>> = runtime.block_on(async move {
        match cli.command {
            Some(Command::Migrate) => {
                let db = app::open_database(&config)?;
                let applied = app::migrate(&db).await?;
                tracing::info!(count = applied.len(), ?applied, "migrations applied");
                Ok(())
            }
            Some(Command::SeedDemo) => {
                if config.mode == yishi_api::config::RunMode::Production {
                    return Err("seed-demo is refused in production".into());
                }
                let db = app::open_database(&config)?;
                app::migrate(&db).await?;
                let now = chrono::Utc::now().naive_utc();
                match yishi_api::demo::seed(&db, now, &config.privacy_policy_version).await? {
                    yishi_api::demo::Seeded::Created => tracing::info!("demo county loaded"),
                    yishi_api::demo::Seeded::AlreadyThere => {
                        tracing::info!("demo county already there; nothing changed")
                    }
                }
                Ok(())
            }
            _ => serve(config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "yishi stopped");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    for (name, value) in config.summary() {
        tracing::info!(target: "yishi::config", "{name}={value}");
    }
    let application = Application::build(config, AppOptions::default()).await?;
    tracing::info!(
        port = application.port(),
        metrics_port = application.metrics_port(),
        "serving; Swagger UI at /swagger-ui/"
    );
    application.run_until_stopped().await?;
    Ok(())
}
