from helpers_ui import problems


def test_look(app, demo_store):
    for page in ("ladder", "people", "participation", "overview"):
        at = app(demo_store.path, page)
        print("\n==", page, problems(at))
        print([t.label for t in at.tabs])
        for d in at.dataframe:
            print(d.value.shape, list(d.value.columns)[:9])
        print([c.value[:100] for c in at.caption][-4:])
        print([m.value[:120] for m in at.markdown][-3:])
        print([i.value[:100] for i in at.info], [w.value[:100] for w in at.warning])
        print([(m.label, m.value) for m in at.metric][-4:])
