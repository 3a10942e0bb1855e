"""hp.scope: reads, writes, scope objects, inspection (SPEC §3, §5)."""

from __future__ import annotations

import pickle

import pytest

import hyperparameter as hp


def test_read_with_default_and_required() -> None:
    assert hp.scope.train.lr | 0.001 == 0.001
    assert hp.scope.train.lr(0.5) == 0.5
    with pytest.raises(KeyError) as info:
        hp.scope.train.lr()
    assert isinstance(info.value, hp.MissingKeyError)
    assert "train.lr" in str(info.value)
    with hp.scope(**{"train.lr": 0.01}):
        assert hp.scope.train.lr | 0.001 == 0.01
        assert hp.scope.train.lr() == 0.01
        assert hp.scope.train.lr(1.0) == 0.01
    assert hp.scope.train.lr | 0.001 == 0.001


def test_missing_is_not_falsy() -> None:
    with hp.scope(a=None, b=False, c=0, d=""):
        assert hp.scope.a | 5 is None
        assert hp.scope.b | True is False
        assert hp.scope.c | 7 == 0
        assert hp.scope.d | "x" == ""
        assert hp.scope.a() is None


def test_accessors_are_immutable_and_independent() -> None:
    with hp.scope(**{"a.b": 1, "a.c": 2}):
        x = hp.scope.a
        assert x.b | 0 == 1
        assert x.c | 0 == 2
        assert x.b | 0 == 1
        with pytest.raises(AttributeError):
            x.__class__ = int  # type: ignore[assignment]


def test_item_access_behaves_like_attributes() -> None:
    with hp.scope(**{"task.cls.lr": 0.1, "keys": 3}):
        assert hp.scope["task.cls.lr"] | 1.0 == 0.1
        assert hp.scope["task"]["cls.lr"] | 1.0 == 0.1
        assert hp.scope.task["cls"].lr() == 0.1
        assert hp.scope["task.missing"] | 5 == 5
        assert hp.scope["keys"]() == 3


def test_bool_and_repr() -> None:
    assert not hp.scope.nothing.here
    with hp.scope(**{"flag.on": True, "flag.off": 0}):
        assert hp.scope.flag.on
        assert not hp.scope.flag.off
        assert "flag.on" in repr(hp.scope.flag.on)
        assert "True" in repr(hp.scope.flag.on)
    assert "missing" in repr(hp.scope.flag.on)


def test_scope_from_nested_dicts_strings_and_positional_dicts() -> None:
    with hp.scope(model={"layers": {"_0": {"size": 4}}, "name": "m"}):
        assert hp.scope.model.layers._0.size | 0 == 4
        assert hp.scope.model.name() == "m"
    with hp.scope("a.b=1", " c =x=y", "id=007"):
        assert hp.scope.a.b() == "1"
        assert hp.scope.a.b | 0 == 1
        assert hp.scope.c() == "x=y"
        assert hp.scope.id | "" == "007"
        assert hp.scope.id | 0 == 7
    with hp.scope({"x": {"y": 1}, "z.w": 2}):
        assert hp.scope.x.y() == 1
        assert hp.scope.z.w() == 2
    with pytest.raises(ValueError):
        hp.scope("no_equals_sign")
    with pytest.raises(hp.DefineError):
        hp.scope("bad key=1")
    with pytest.raises(TypeError):
        hp.scope(42)


def test_invalid_keys_are_errors() -> None:
    for key in ["", "a..b", ".a", "a.", "a b", "a=b", "${x}", "a.{b}"]:
        with pytest.raises(hp.KeyFormatError) as info:
            hp.scope[key]
        assert isinstance(info.value, ValueError)
    with pytest.raises(hp.KeyFormatError):
        hp.scope(**{"a b": 1})
    assert hp.scope["ünï.côdé-key"] | 1 == 1


def test_index_segments_and_reserved_names() -> None:
    with hp.scope(**{"model.layers._0.size": 10, "get": 1, "a.keys": 2, "_0": 3}):
        assert hp.scope.model.layers._0.size | 0 == 10
        assert callable(hp.scope.keys)
        assert hp.scope["get"]() == 1
        assert hp.scope.a.keys() == 2
        assert hp.scope._0() == 3
        with pytest.raises(AttributeError):
            hp.scope._private  # noqa: B018
        with pytest.raises(AttributeError):
            hp.scope.keys = 1  # type: ignore[method-assign]


def test_scope_is_entered_on_what_is_active_then() -> None:
    ps = hp.scope(**{"a": 1})
    with hp.scope(**{"b": 2}), ps:
        assert hp.scope.a() == 1
        assert hp.scope.b() == 2
    with ps:
        assert hp.scope.a() == 1
        assert hp.scope.b | None is None


def test_exit_restores_exactly_also_on_exception() -> None:
    hp.scope.x = 1
    with pytest.raises(RuntimeError):
        with hp.scope(x=2):
            hp.scope.x = 3
            hp.scope.y = 4
            raise RuntimeError("boom")
    assert hp.scope.x() == 1
    assert "y" not in hp.scope


def test_writes_go_to_innermost_scope() -> None:
    with hp.scope() as outer:
        hp.scope.a.b = 1
        with hp.scope() as inner:
            hp.scope.a.b = 2
            inner.c = 3
            assert hp.scope.a.b() == 2
            assert hp.scope.c() == 3
        assert hp.scope.a.b() == 1
        assert "c" not in hp.scope
        assert inner.c() == 3
        assert inner.a.b() == 2
    assert outer.a.b() == 1
    assert "a.b" not in hp.scope


def test_write_through_rules() -> None:
    ps = hp.scope()
    ps.a = 1  # not entered: goes into the scope object
    assert "a" not in hp.scope
    with ps:
        assert hp.scope.a() == 1
        ps.b = 2  # innermost: visible
        assert hp.scope.b() == 2
        with hp.scope():
            with pytest.raises(hp.ScopeError):
                ps.c = 3
            assert ps.b() == 2  # reads see the view at its own level
    assert ps.b() == 2
    with ps:
        assert hp.scope.b() == 2


def test_out_of_order_exit_is_an_error() -> None:
    a = hp.scope(x=1)
    b = hp.scope(x=2)
    a.__enter__()
    b.__enter__()
    with pytest.raises(hp.ScopeError):
        a.__exit__(None, None, None)
    assert hp.scope.x() == 2
    b.__exit__(None, None, None)
    a.__exit__(None, None, None)
    assert "x" not in hp.scope
    with pytest.raises(hp.ScopeError):
        a.__exit__(None, None, None)


def test_empty_scope_does_not_inherit() -> None:
    with hp.scope(a=1):
        with hp.scope.empty(b=2) as ps:
            assert hp.scope.a | None is None
            assert hp.scope.b() == 2
            assert ps.keys() == ["b"]
        assert hp.scope.a() == 1


def test_inspection() -> None:
    with hp.scope(**{"b.y": 2, "a.x": 1}) as ps:
        assert ps.keys() == ["a.x", "b.y"]
        assert list(ps) == ["a.x", "b.y"]
        assert ps.items() == [("a.x", 1), ("b.y", 2)]
        assert ps.values() == [1, 2]
        assert ps.to_dict() == {"a.x": 1, "b.y": 2}
        assert ps.to_dict(nested=True) == {"a": {"x": 1}, "b": {"y": 2}}
        assert "a.x" in ps
        assert "a" not in ps
        assert "a.x" in repr(ps)
        assert ps.get("a.x") == 1
        assert ps.get("nope", 5) == 5
        ps.put("c", 3)
        ps.update({"d": 4}, e=5)
        assert hp.scope.c() + hp.scope.d() + hp.scope.e() == 12
        assert hp.scope.keys() == ["a.x", "b.y", "c", "d", "e"]


def test_clear() -> None:
    with hp.scope(a=1) as ps:
        hp.scope.b = 2
        ps.clear()
        assert "a" not in hp.scope
        assert "b" not in hp.scope
    assert ps.keys() == []


def test_values_are_kept_as_given() -> None:
    big = 2**80
    items = [1, 2]
    with hp.scope(big=big, things=items, neg=-(2**70)):
        assert hp.scope.big() == big
        assert hp.scope.big | 0 == big
        assert hp.scope.things() is items
        assert hp.scope.neg() == -(2**70)
        with pytest.raises(hp.ConversionError):
            hp.scope.things | 0


def test_pickle_gives_the_visible_view() -> None:
    with hp.scope(a=1), hp.scope(b="x") as ps:
        data = pickle.dumps(ps)
    restored = pickle.loads(data)
    assert restored.to_dict() == {"a": 1, "b": "x"}
    with restored:
        assert hp.scope.a() == 1
        assert hp.scope.b() == "x"


def test_current_captures_the_view() -> None:
    with hp.scope(a=1):
        snapshot = hp.scope.current()
    assert "a" not in hp.scope
    with snapshot:
        assert hp.scope.a() == 1


@pytest.mark.bare
def test_init_fills_the_root_layer_only_outside_scopes() -> None:
    import threading

    seen: list[object] = []

    def worker() -> None:
        hp.scope.init({"w": {"n": 1}})
        seen.append(hp.scope.w.n | 0)
        with hp.scope(), pytest.raises(hp.ScopeError):
            hp.scope.init({"x": 1})
        hp.scope.clear()
        seen.append(hp.scope.w.n | 0)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [1, 0]


def test_old_names_are_the_same_objects() -> None:
    assert hp.param_scope is hp.scope
    assert hp.auto_param is hp.param


def test_refused_operations_leave_every_scope_exitable_and_the_view_intact() -> None:
    a = hp.scope(x=1)
    b = hp.scope(y=2)
    a.__enter__()
    hp.scope.w = "a"
    b.__enter__()
    view = hp.scope.to_dict()
    for refused in (
        lambda: a.__exit__(None, None, None),
        lambda: a.__exit__(ValueError, ValueError("x"), None),
        lambda: setattr(a, "z", 3),
        lambda: a.clear(),
        lambda: a.__exit__(None, None, None),
    ):
        with pytest.raises(hp.ScopeError):
            refused()
        assert hp.scope.to_dict() == view
    b.__exit__(None, None, None)
    assert hp.scope.to_dict() == {**{k: v for k, v in view.items() if k != "y"}}
    a.__exit__(None, None, None)
    assert "x" not in hp.scope and "w" not in hp.scope
    assert a.to_dict()["w"] == "a", "the scope keeps what was written in it"


def scoped_generator(key: str):  # type: ignore[no-untyped-def]
    with hp.scope(**{key: 1}):
        yield hp.scope[key] | 0
        yield hp.scope[key] | 0


def test_a_generator_closed_under_a_later_scope_leaves_nothing_behind() -> None:
    gen = scoped_generator("gen.closed")
    assert next(gen) == 1
    with hp.scope(**{"gen.later": 2}):
        gen.close()  # no error: the generator's scope exits with the scope around it
        assert hp.scope["gen.later"] | 0 == 2
    assert "gen.closed" not in hp.scope
    assert "gen.later" not in hp.scope
    with hp.scope(after=1):
        assert hp.scope.after() == 1
    assert "after" not in hp.scope


def test_a_generator_collected_under_a_later_scope_leaves_nothing_behind() -> None:
    import gc

    gen = scoped_generator("gen.collected")
    next(gen)
    with hp.scope(**{"gen.later": 2}):
        del gen
        gc.collect()
    assert "gen.collected" not in hp.scope
    assert hp.scope.to_dict() == {}


def test_a_generator_closed_while_innermost_exits_at_once() -> None:
    gen = scoped_generator("gen.innermost")
    next(gen)
    gen.close()
    assert "gen.innermost" not in hp.scope


def test_scope_writes_are_linear_also_with_many_keys_visible() -> None:
    # Not a timing test: a write copies nothing when no other context sees the scope, so
    # a context copied in between (a task) keeps the view it had.
    import contextvars

    with hp.scope(**{f"big.k{i}": i for i in range(1000)}):
        hp.scope.first = 1
        copied = contextvars.copy_context()
        hp.scope.second = 2
        assert copied.run(lambda: ("second" in hp.scope, hp.scope.first | 0)) == (False, 1)
        assert hp.scope.second | 0 == 2


def test_a_key_value_item_given_in_code_names_the_calling_line() -> None:
    # Both backends record a `hp.scope("k=v")` item as set by the code that wrote it, as
    # keyword values are: it is not a `-D` item of a command line.
    import inspect

    line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    with hp.scope("item_site.lr=fast"):
        with pytest.raises(hp.ConversionError, match=rf"from code at .*test_scope\.py:{line}\)"):
            hp.scope.item_site.lr | 0.1
