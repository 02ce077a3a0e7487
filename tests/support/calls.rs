//! Replays a builder chain written as data: `[["debianSlim", {"pythonVersion": "3.12"}],
//! ["pipInstall", ["numpy"], {"pre": true}], ...]`. Each call is the TypeScript method name and
//! its arguments, so the same `calls.json` drives the Rust, wasm and JavaScript golden tests.

use apothic_image::{
    DebianSlimOptions, DockerfileOptions, Error, Image, PipOptions, RegistryOptions, UvPipOptions,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Builds the image a call chain describes; the first call is a constructor.
pub fn build(calls: &[Value]) -> Result<Image, Error> {
    let (first, rest) = calls
        .split_first()
        .expect("a call chain starts with a constructor");
    let mut image = construct(first)?;
    for call in rest {
        image = apply(&image, call)?;
    }
    Ok(image)
}

fn method_and_args(call: &Value) -> (&str, &[Value]) {
    let items = call.as_array().expect("a call is [method, ...args]");
    let method = items[0].as_str().expect("method name");
    (method, &items[1..])
}

fn construct(call: &Value) -> Result<Image, Error> {
    let (method, args) = method_and_args(call);
    match method {
        "debianSlim" => Image::debian_slim(&options::<DebianSlimOptions>(args.first())),
        "fromRegistry" => {
            Image::from_registry(text(&args[0]), &options::<RegistryOptions>(args.get(1)))
        }
        "fromDockerfile" => {
            Image::from_dockerfile(text(&args[0]), &options::<DockerfileOptions>(args.get(1)))
        }
        "fromSpec" => Image::from_spec_json(&args[0].to_string()),
        other => panic!("unknown constructor {other}"),
    }
}

fn apply(image: &Image, call: &Value) -> Result<Image, Error> {
    let (method, args) = method_and_args(call);
    let arg = |i: usize| args.get(i);
    match method {
        "pipInstall" => image.pip_install(&list(&args[0]), &options::<PipOptions>(arg(1))),
        "uvPipInstall" => image.uv_pip_install(&list(&args[0]), &options::<UvPipOptions>(arg(1))),
        "pipInstallFromRequirements" => {
            image.pip_install_from_requirements(text(&args[0]), &options::<PipOptions>(arg(1)))
        }
        "uvPipInstallFromRequirements" => {
            image.uv_pip_install_from_requirements(text(&args[0]), &options::<UvPipOptions>(arg(1)))
        }
        "pipInstallFromPyproject" => {
            let (groups, pip) = pyproject_options::<PipOptions>(arg(1));
            image.pip_install_from_pyproject(text(&args[0]), &groups, &pip)
        }
        "uvPipInstallFromPyproject" => {
            let (groups, uv) = pyproject_options::<UvPipOptions>(arg(1));
            image.uv_pip_install_from_pyproject(text(&args[0]), &groups, &uv)
        }
        "env" => {
            let values: Vec<(String, String)> = args[0]
                .as_object()
                .expect("env takes an object")
                .iter()
                .map(|(k, v)| (k.clone(), stringify(v)))
                .collect();
            image.env(&values)
        }
        "envFile" => image.env_file(text(&args[0])),
        "runCommands" => image.run_commands(&list(&args[0])),
        "commandShell" => image.command_shell(args[0].as_str()),
        "workdir" => image.workdir(text(&args[0])),
        "aptInstall" => image.apt_install(&list(&args[0])),
        "entrypoint" => image.entrypoint(&list(&args[0])),
        "cmd" => image.cmd(&list(&args[0])),
        "withDockerfile" => image.with_dockerfile(text(&args[0])),
        "addLocalFile" => image.add_local_file(text(&args[0]), arg(1).and_then(Value::as_str)),
        "copyLocalFile" => image.copy_local_file(text(&args[0]), arg(1).and_then(Value::as_str)),
        "addLocalDir" => image.add_local_dir(
            text(&args[0]),
            arg(1).and_then(Value::as_str),
            &ignore(arg(2)),
        ),
        "copyLocalDir" => image.copy_local_dir(
            text(&args[0]),
            arg(1).and_then(Value::as_str),
            &ignore(arg(2)),
        ),
        "addLocalPythonSource" => image.add_local_python_source(&list(&args[0])),
        "copyLocalPythonSource" => image.copy_local_python_source(&list(&args[0])),
        other => panic!("unknown method {other}"),
    }
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string argument")
}

/// A list argument: an array of strings, or a single string.
fn list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().map(|v| text(v).to_string()).collect(),
        other => panic!("expected string or array, got {other}"),
    }
}

/// JavaScript's `String(value)` for the scalar types `env` accepts.
fn stringify(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("env values are strings, numbers or booleans, got {other}"),
    }
}

fn options<T: DeserializeOwned + Default>(value: Option<&Value>) -> T {
    match value {
        None | Some(Value::Null) => T::default(),
        Some(v) => serde_json::from_value(v.clone()).expect("options object"),
    }
}

fn ignore(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(|v| v.get("ignore"))
        .map(list)
        .unwrap_or_default()
}

fn pyproject_options<T: DeserializeOwned + Default>(value: Option<&Value>) -> (Vec<String>, T) {
    let mut object = value.cloned().unwrap_or(Value::Object(Default::default()));
    let groups = object
        .as_object_mut()
        .and_then(|o| o.remove("optionalDependencies"))
        .map(|v| list(&v))
        .unwrap_or_default();
    (groups, options(Some(&object)))
}
