import threading
import search.facets as search_facets
from search.index import rebuild_index, update_paragraphs
from search.query import SearchRequest, run_search
from tests.search.conftest import *  # noqa

def total(q):
    return run_search(SearchRequest.from_querydict({"q": q})).total

def test_stress(indexed, monkeypatch):
    labels = search_facets._read_labels()
    monkeypatch.setattr(search_facets, "_read_labels", lambda: labels)
    expected = total("iran OR russia")
    errors, results = [], []
    stop = threading.Event()
    def loop():
        while not stop.is_set():
            try:
                results.append(total("iran OR russia"))
            except BaseException as e:
                import traceback; traceback.print_exc()
                errors.append(e)
    ts = [threading.Thread(target=loop) for _ in range(4)]
    for t in ts: t.start()
    try:
        for i in range(10):
            rebuild_index()
    finally:
        stop.set()
        for t in ts: t.join()
    print(len(results))
    assert not errors
    assert set(results) == {expected}
