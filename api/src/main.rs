//! `yishi`: the server (`serve`, the default), `migrate`, `openapi`, `seed-demo` and
//! `points-verify` and `audit-verify`.

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
    /// Verify the points ledger's hash chains (all, or one unit's subtree): one line per broken
    /// account naming its first bad row; exit code 1 if any is broken.
    PointsVerify {
        /// Only the accounts of this org unit and the units below it.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Verify the audit log's hash chain from its start: names the first entry edited, deleted
    /// or inserted in the database, or a cut-off tail; exit code 1 if broken.
    AuditVerify,
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
    if let Some(Command::PointsVerify { unit }) = &cli.command {
        return points_verify(&config, unit.as_deref());
    }
    if let Some(Command::AuditVerify) = &cli.command {
        return audit_verify(&config);
    }
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

/// `yishi points-verify [--unit ID]`: reads the chains with the server's `DATABASE_URL`.
fn points_verify(config: &Config, unit: Option<&str>) -> ExitCode {
    let db = match app::open_database(config) {
        Ok(db) => db,
        Err(error) => {
            eprintln!("cannot open the database: {error}");
            return ExitCode::FAILURE;
        }
    };
    let unit = unit.map(str::to_owned);
    let runtime = actix_web::rt::System::new();
    let verified = runtime
        .block_on(async move { db.run(move |conn| infra::points::ledger::verify_under(conn, unit.as_deref())).await });
    let verified = match verified {
        Ok(verified) => verified,
        Err(error) => {
            eprintln!("cannot verify the points ledger: {error}");
            return ExitCode::FAILURE;
        }
    };
    for (account, found) in &verified.breaks {
        let reason = yishi_api::points::ledger_dto::reason_text(found.reason);
        let what = if found.reason == domain::points::ledger::BreakReason::Balance { "account" } else { "ledger row" };
        println!(
            "BROKEN account {} ({} {}, unit {}): {what} {} at seq {}: {reason}",
            account.id, account.holder, account.holder_id, account.org_unit_id, found.id, found.seq
        );
    }
    println!("verified {} accounts, {} rows: {} broken", verified.accounts, verified.rows, verified.breaks.len());
    if verified.breaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `yishi audit-verify`: recomputes the audit chain with the server's `DATABASE_URL`.
fn audit_verify(config: &Config) -> ExitCode {
    let db = match app::open_database(config) {
        Ok(db) => db,
        Err(error) => {
            eprintln!("cannot open the database: {error}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = actix_web::rt::System::new();
    let verified = runtime.block_on(async move {
        db.run(|conn| infra::identity::audit::verify(conn).map_err(infra::InfraError::from)).await
    });
    let verified = match verified {
        Ok(verified) => verified,
        Err(error) => {
            eprintln!("cannot verify the audit log: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(found) = &verified.broken {
        println!("BROKEN audit entry {} at seq {}: {}", found.id, found.seq, found.reason.as_str());
    }
    println!(
        "verified {} sealed entries ({} not yet sealed): {}",
        verified.sealed,
        verified.unsealed,
        if verified.broken.is_some() { "broken" } else { "intact" }
    );
    if verified.broken.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
