//! `clearinghouse model register|list|show`: the frontier-model registry
//! from the command line. Prints a short summary with the non-binding
//! compute reference points, or the server's JSON with `--json`.

use std::process::ExitCode;

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::cli::show::text;
use crate::config::{ModelListArgs, ModelRegisterArgs, ModelShowArgs};

/// The compute as text: the server parses it (`3.2e25`, `320000...`) and
/// names `training_compute` when it is not a number.
fn compute_value(text: &str) -> Value {
    Value::String(text.trim().to_owned())
}

fn print_model(m: &Value) {
    println!("id:               {}", text(m, "id"));
    println!(
        "name:             {} {}",
        text(m, "name"),
        text(m, "version")
    );
    println!("training compute: {}", text(m, "training_compute"));
    println!("partner release:  {}", text(m, "planned_partner_release"));
    println!("public release:   {}", text(m, "planned_public_release"));
    println!(
        "labels:           TLP:{} visibility {:?}",
        text(m, "tlp"),
        text(m, "visibility")
    );
    println!("reference points (non-binding, not a designation):");
    if let Some(points) = m["reference_points"]["points"].as_array() {
        for p in points {
            let above = if p["exceeds"] == Value::Bool(true) {
                "exceeds"
            } else {
                "below"
            };
            let laws: Vec<String> = p["instruments"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            println!(
                "  {above:8} {:e} ops: {}",
                p["operations"].as_f64().unwrap_or(0.0),
                laws.join("; ")
            );
        }
    }
}

pub async fn register(args: ModelRegisterArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let body = json!({
        "name": args.name,
        "version": args.version,
        "training_compute": compute_value(&args.compute),
        "planned_partner_release": args.partner_release,
        "planned_public_release": args.public_release,
        "modalities": args.modalities,
        "description": args.description,
        "contact": args.contact,
        "tlp": args.tlp,
        "visibility": args.visibility,
        "shared_with_orgs": args.shared_with_orgs,
    });
    let url = client.url(&["models"], &[])?;
    let reply = client.send(Method::POST, url, Body::Json(body)).await?;
    if args.json {
        print_json(&reply.body);
    } else {
        print_model(&reply.body);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(args: ModelListArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let items = client.get_all(&["models"], &[]).await?;
    if args.json {
        print_json(&Value::Array(items));
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        eprintln!("no models");
    }
    for m in &items {
        println!(
            "{}\t{}\t{}\t{}\tTLP:{}",
            text(m, "id"),
            text(m, "name"),
            text(m, "version"),
            text(m, "training_compute"),
            text(m, "tlp")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn show(args: ModelShowArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let url = client.url(&["models", &args.id], &[])?;
    let reply = client.get(url).await?;
    if args.json {
        print_json(&reply.body);
    } else {
        print_model(&reply.body);
    }
    Ok(ExitCode::SUCCESS)
}
