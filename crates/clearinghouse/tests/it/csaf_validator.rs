//! BSI's independent CSAF validator (`@secvisogram/csaf-validator-lib`:
//! the CSAF 2.0 schema and the mandatory tests of section 6.1), run
//! through node on the documents the product publishes.
//!
//! Loading the library costs node about 16 s of CPU and validating one
//! document about 40 ms, so one node process serves the whole test run:
//! it reads a document a line on its standard input and answers a line
//! each. It ends with the test process (its input closes).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// The node process and its pipes.
struct Validator {
    _child: Child,
    input: ChildStdin,
    answers: BufReader<ChildStdout>,
}

static VALIDATOR: Mutex<Option<Validator>> = Mutex::new(None);

/// The library's folder (`CSAF_VALIDATOR_DIR`, default `/work/tools/csaf`),
/// installed there with npm when it is missing and npm is there; None
/// (skipped with a printed line, a failure when `CI=true`) without it.
/// Looked for (and installed) once per test run: tests validating at once
/// wait for the one installing, instead of finding its half-written folder.
fn library() -> Option<std::path::PathBuf> {
    static LIBRARY: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    LIBRARY.get_or_init(find_or_install).clone()
}

fn find_or_install() -> Option<std::path::PathBuf> {
    let dir = std::env::var("CSAF_VALIDATOR_DIR").unwrap_or_else(|_| "/work/tools/csaf".into());
    let lib = std::path::Path::new(&dir).join("node_modules/@secvisogram/csaf-validator-lib");
    // The module the script imports, not only its folder: an install cut
    // short leaves the folder without it.
    let installed = || lib.join("validateStrict.js").is_file();
    if !installed() {
        let _ = std::fs::create_dir_all(&dir);
        let _ = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "@secvisogram/csaf-validator-lib",
            ])
            .current_dir(&dir)
            .status();
    }
    if !installed() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "BSI validator missing in CI"
        );
        println!(
            "SKIPPED: BSI csaf-validator-lib not installed at {}",
            lib.display()
        );
        return None;
    }
    Some(lib)
}

fn start(lib: &std::path::Path) -> Validator {
    let script = format!(
        "import validateStrict from '{lib}/validateStrict.js';\n\
         import * as schemaTests from '{lib}/schemaTests.js';\n\
         import * as mandatoryTests from '{lib}/mandatoryTests.js';\n\
         import readline from 'node:readline';\n\
         const tests = [schemaTests.csaf_2_0_strict, ...Object.values(mandatoryTests)];\n\
         const lines = readline.createInterface({{ input: process.stdin, crlfDelay: Infinity }});\n\
         for await (const line of lines) {{\n\
           const r = await validateStrict(tests, JSON.parse(line));\n\
           const bad = r.tests.filter(t => !t.isValid || t.errors.length);\n\
           process.stdout.write(JSON.stringify({{isValid: r.isValid, bad}}) + '\\n');\n\
         }}\n",
        lib = lib.display()
    );
    let js = crate::harness::temp_dir().join("validate.mjs");
    std::fs::write(&js, script).expect("write the validator script");
    let mut child = Command::new("node")
        .arg(&js)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let input = child.stdin.take().expect("node's input");
    let answers = BufReader::new(child.stdout.take().expect("node's output"));
    Validator {
        _child: child,
        input,
        answers,
    }
}

/// Fails the test unless BSI's validator accepts `doc` (its schema and
/// every mandatory test).
pub fn bsi_validate(doc: &Value) {
    let Some(lib) = library() else {
        return;
    };
    let answer = {
        let mut held = VALIDATOR.lock().unwrap_or_else(|e| e.into_inner());
        let v = held.get_or_insert_with(|| start(&lib));
        let mut line = serde_json::to_string(doc).expect("document as JSON");
        line.push('\n');
        let mut answer = String::new();
        let read = v
            .input
            .write_all(line.as_bytes())
            .and_then(|()| v.input.flush())
            .and_then(|()| v.answers.read_line(&mut answer));
        if !matches!(read, Ok(n) if n > 0) {
            // The process is gone: the next document starts another.
            *held = None;
            panic!("the BSI validator process ended: {read:?}");
        }
        answer
    };
    let r: Value = serde_json::from_str(&answer).expect("the validator's answer");
    assert!(
        r["isValid"] == true,
        "BSI validator refused the document: {r}\n{doc:#}"
    );
}
