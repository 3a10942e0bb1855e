use hyperparameter::with_params;

fn main() {
    with_params! {
        @put a.b = 1;
    }
}
