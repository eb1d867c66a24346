//! `conformance-client URL`: runs the client scenario named by `MCP_CONFORMANCE_SCENARIO`
//! against the suite's mock server at `URL` (the last argument). Exits 0 when the scenario
//! ran to its end, 1 when it failed, 2 for a usage error or an unknown scenario. The
//! authorization scenarios read their data from `MCP_CONFORMANCE_CONTEXT`.

use std::process::ExitCode;

use oxmcp_conformance::client::{SCENARIO_TIMEOUT, Scenario, ScenarioError, run};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let Some(url) = std::env::args().skip(1).last() else {
        eprintln!("usage: MCP_CONFORMANCE_SCENARIO=<name> conformance-client URL");
        return ExitCode::from(2);
    };
    let Ok(name) = std::env::var("MCP_CONFORMANCE_SCENARIO") else {
        eprintln!("conformance-client: MCP_CONFORMANCE_SCENARIO is not set");
        return ExitCode::from(2);
    };
    let scenario = match name.parse::<Scenario>() {
        Ok(scenario) => scenario,
        Err(e) => {
            eprintln!("conformance-client: {e}");
            return ExitCode::from(2);
        }
    };
    match tokio::time::timeout(SCENARIO_TIMEOUT, run(scenario, &url)).await {
        Ok(Ok(())) => {
            eprintln!("conformance-client: scenario `{name}` done");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("conformance-client: scenario `{name}` failed: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            let e = ScenarioError::Unexpected(format!("timed out after {SCENARIO_TIMEOUT:?}"));
            eprintln!("conformance-client: scenario `{name}` failed: {e}");
            ExitCode::FAILURE
        }
    }
}
