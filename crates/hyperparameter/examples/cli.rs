//! A clap program with hyperparameters: `-D/--define`, `-C/--config`, `--list-params`, and
//! a help section listing the parameters the program reads (with `get_param!`, with
//! `with_params!`'s `get`, and the fields of a struct read with `from_params`).
//!
//! ```text
//! cargo run -p hyperparameter --features clap --example cli -- -D example.a=5 --times 2
//! cargo run -p hyperparameter --features clap --example cli -- --help
//! ```

use hyperparameter::cli::{params_help, ParamArgs};
use hyperparameter::*;

#[derive(Parser, Debug)]
#[command(about = "Prints example.a and example.b", after_help = params_help())]
struct Args {
    /// How many times to print
    #[arg(long, default_value_t = 1)]
    times: u32,

    #[command(flatten)]
    params: ParamArgs,
}

fn foo() {
    let a = get_param!(example.a, 0i64, "the first number");
    let b = get_param!(example.b, 1.5, "the second number");
    let name = get_param!(example.name, "ex", "a label, e.g. ${model.name}");
    let tag = with_params! {
        get tag = example.tag or "unnamed";
        tag
    };
    println!("example.a={a}, example.b={b}, example.name={name}, example.tag={tag}");
}

/// Read with `from_params("data")`: its fields are the keys `data.path` and `data.shuffle`.
#[derive(serde::Deserialize, Debug)]
struct Data {
    #[serde(default)]
    path: String,
    #[serde(default)]
    shuffle: bool,
}

fn main() {
    // Before parsing, so that `--help` and `--list-params` show the struct's keys too.
    declare_params::<Data>("data");
    let args = Args::parse();
    // `EXAMPLE_EXAMPLE__A=5` sets `example.a`, below the `-D` items.
    let params = args.params.with_env_prefix("EXAMPLE_");
    with_params! {
        params params.scope_or_exit();
        for _ in 0..args.times {
            foo();
        }
        match from_params::<Data>("data") {
            Ok(data) => println!("data.path={}, data.shuffle={}", data.path, data.shuffle),
            Err(err) => {
                eprintln!("error: {err}");
                std::process::exit(2);
            }
        }
    }
}
