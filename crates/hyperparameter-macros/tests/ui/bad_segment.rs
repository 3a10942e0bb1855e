use hyperparameter::with_params;

fn main() {
    with_params! {
        set a..b = 1;
    }
}
