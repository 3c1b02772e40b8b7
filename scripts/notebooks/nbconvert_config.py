# nbconvert config for slmlab's tslab notebooks: `jupyter nbconvert --execute --config scripts/notebooks/nbconvert_config.py`.
# tslab prints a failing cell's error only to stderr and sends no ename/evalue, so nbclient reports an
# empty "<Error>:". This hook prints the cell's real error (its stderr output) before that, and waits
# out tslab's 200 ms "abort everything after an error" window (docs: shared/reference/notebooks.md §1).
import sys
import time


def _on_cell_error(cell, cell_index, execute_reply, **kw):
    err = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
    src = "".join(cell.get("source", ""))
    cid = f" (id {cell.get('id')})" if cell.get("id") else ""
    print(f"--- notebook cell {cell_index}{cid} failed; tslab stderr:\n{err or '(none)'}\n--- cell source:\n{src}\n---",
          file=sys.stderr, flush=True)
    time.sleep(0.3)


def _excepthook(kind, value, tb):
    # nbclient's CellExecutionError repeats the cell and an empty "<Error>:" under ~50 lines of Python
    # traceback; the hook above already printed the cell's real error, so say one line (Python still exits 1).
    if kind.__name__ == "CellExecutionError":
        print("--- the notebook stopped at that cell (nbconvert's traceback left out)", file=sys.stderr, flush=True)
        return
    sys.__excepthook__(kind, value, tb)


sys.excepthook = _excepthook

c = get_config()  # noqa: F821 (provided by traitlets when loading a config file)
c.ExecutePreprocessor.on_cell_error = _on_cell_error
