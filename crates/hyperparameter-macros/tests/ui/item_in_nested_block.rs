use hyperparameter::with_params;

fn main() {
    with_params! {
        for i in 0..3 {
            set train.step = i;
        }
    }
}
