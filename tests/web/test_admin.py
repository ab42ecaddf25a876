"""The admin console in a real browser: key handling, data overview with charts and rejects,
models with a retraining job and switching the served version."""

from __future__ import annotations

from pathlib import Path

import httpx

from shopmind.artifacts import ArtifactStore
from shopmind.data.ingest import ingest_file
from shopmind.recommend.train import KIND
from tests.web.conftest import Shop


def sign_in(page, shop: Shop) -> None:
    page.goto(shop.url + "/admin")
    page.fill("#admin-key", shop.admin_key)
    page.click("#login button")
    page.wait_for_selector("body[data-ready='overview']")


def test_the_console_asks_for_an_admin_key_and_keeps_it_per_tab(page, shop: Shop) -> None:
    page.goto(shop.url + "/admin")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#admin-key", shop.shop_key)
    page.click("#login button")
    page.wait_for_selector("#login-error:has-text('not an admin key')")
    page.fill("#admin-key", "wrong")
    page.click("#login button")
    page.wait_for_selector("#login-error:has-text('Unknown key')")
    sign_in(page, shop)
    assert page.evaluate("sessionStorage.getItem('shopmind.adminKey')") == shop.admin_key
    assert page.evaluate("localStorage.getItem('shopmind.adminKey')") is None
    page.reload()
    page.wait_for_selector("body[data-ready='overview']")  # still signed in in this tab
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('shopmind.adminKey')") is None
    # nothing the server hands out holds the admin key
    with httpx.Client(base_url=shop.url) as client:
        for path in (
            "/web/admin.html",
            "/web/admin.js",
            "/web/js/admin/sections.js",
            "/web/config.json",
            "/web/",
        ):
            body = client.get(path)
            assert body.status_code == 200 and shop.admin_key not in body.text


def test_overview_counts_charts_and_rejects(page, shop: Shop, tmp_path: Path) -> None:
    bad = tmp_path / "new-products.csv"
    bad.write_text("product_id,title,price\nX1,Lamp,12\nX2,,5\nX3,Broken,-3\n", encoding="utf-8")
    ingest_file(shop.store, "products", bad, rejects_path=tmp_path / "rejects.csv")
    try:
        sign_in(page, shop)
        counts = shop.store.counts()
        for table in ("products", "customers", "events", "orders"):
            shown = page.inner_text(f"#counts .stat[data-table='{table}'] .n")
            assert int(shown.replace(",", "")) == counts[table]
        serving = page.inner_text("#serving")  # the web shop serves a published rec and nlu version
        served = ArtifactStore(shop.settings.artifacts_dir).current(KIND).name
        assert "recommendations" in serving and served in serving and "assistant" in serving
        assert page.locator("svg.chart[data-kind='stacked'] rect.mark").count() > 10
        bars = page.locator("svg.chart[data-kind='bar'] rect.mark")
        statuses = {bars.nth(i).get_attribute("data-label") for i in range(bars.count())}
        assert {"delivered", "cancelled"} <= statuses
        assert "1 written" in page.inner_text("#panel") and "2 rejected" in page.inner_text("#panel")
        page.click("#ingest-runs a.show-rejects")
        page.wait_for_selector("#rejects tbody tr")
        rows = page.locator("#rejects tbody tr").all_inner_texts()
        assert len(rows) == 2 and any("title" in r for r in rows) and any("price" in r for r in rows)
    finally:
        shop.store.delete_product("X1")  # through the store: the change log tells the shop's search


def test_models_retrain_with_progress_and_switch_back(page, shop: Shop) -> None:
    root = shop.settings.artifacts_dir
    served = ArtifactStore(root).current(KIND).name
    sign_in(page, shop)
    page.click("#tabs a[data-tab='models']")
    page.wait_for_selector("body[data-ready='models']")
    assert page.locator(f"section[data-kind='rec'] tr.current:has-text('{served}')").count() == 1
    page.select_option("#retrain-model", "popular")
    page.click("#retrain")  # popular is worse than the serving model: kept, not published
    page.wait_for_selector("#job[data-status='done'] #job-refused", timeout=120_000)
    assert "valid_ndcg@10" in page.inner_text("#job-refused")
    assert ArtifactStore(root).current(KIND).name == served
    page.wait_for_selector("#job-refused", state="detached")  # the panel reloads after a job
    page.select_option("#retrain-model", "popular")
    page.check("#retrain-force")  # … unless forced
    page.click("#retrain")
    page.wait_for_selector("#job[data-status='done']", timeout=120_000)
    assert "popular trained" in page.inner_text("#job .joblog")
    new = ArtifactStore(root).current(KIND).name
    assert new.startswith("popular-") and new != served
    page.wait_for_selector(f"section[data-kind='rec'] tr.current:has-text('{new}')")
    assert page.locator("svg.chart[data-kind='bar'] rect.mark").count() >= 2  # metric per version
    row = page.locator(f"section[data-kind='rec'] tr:has-text('{served}')")
    row.locator("button.publish").click()
    page.wait_for_selector(f"section[data-kind='rec'] tr.current:has-text('{served}')")
    assert ArtifactStore(root).current(KIND).name == served


def test_marketing_segments_rfm_clv_and_campaign_planner(page, shop: Shop) -> None:
    engine = shop.app.state.engine
    job = engine.marketing.ensure_fitted()  # the shop's CLV/churn/uplift models, fitted by their job
    assert job is None or engine.jobs.wait(job, timeout=300).status == "done"
    sign_in(page, shop)
    page.click("#tabs a[data-tab='marketing']")
    page.wait_for_selector("body[data-ready='marketing']", timeout=120_000)
    with httpx.Client(base_url=shop.url, headers={"X-API-Key": shop.admin_key}, timeout=60) as client:
        seg = client.get("/marketing/charts/segments").json()
        rfm = client.get("/marketing/rfm").json()
        grid = client.get("/marketing/charts/rfm-grid").json()
    # the segment map: one dot per customer sampled by the API, one description per segment
    dots = page.locator("#segments svg.chart[data-kind='scatter'] circle.point")
    assert dots.count() == len(seg["points"]) > 0
    groups = set(dots.evaluate_all("els => els.map(e => Number(e.dataset.group))"))
    assert groups == {p["segment"] for p in seg["points"]}
    items = page.locator("#segments .segment-list li")
    assert items.count() == len(seg["segments"])
    assert seg["segments"][0]["description_zh"] in items.first.inner_text()
    # RFM: the grid cells carry the API's counts; the table lists every segment
    cells = page.locator("#rfm svg.chart[data-kind='heatmap'] rect.cell")
    shown = cells.evaluate_all("els => els.map(e => [e.dataset.row, e.dataset.col, e.dataset.value])")
    assert sorted((int(r), int(f), int(v)) for r, f, v in shown) == sorted(
        (c["r"], c["f"], c["customers"]) for c in grid["cells"]
    )
    assert page.locator("#rfm-table tbody tr").count() == len(rfm["segments"])
    assert page.locator("#clv svg.chart rect.mark").count() > 5
    # the campaign planner stays within the budget
    page.fill("#planner input[name=budget]", "200")
    page.click("#planner button")
    page.wait_for_selector("#plan-summary", timeout=60_000)
    summary = page.inner_text("#plan-summary")
    cost = float(summary.split("expected cost ")[1].split(" ")[0])
    assert 0 < cost <= 200 and page.locator("#plan-targets tbody tr").count() > 0
    lines = page.locator("#campaign svg.chart[data-kind='line'] path.series")
    assert lines.evaluate_all("els => els.map(e => e.dataset.name)") == ["net", "cost"]  # the forecast


def test_synthetic_data_fit_report_in_two_languages_and_download(page, shop: Shop) -> None:
    """Fit from the console; the fit writes the report (no CLI step): findings in English and
    Chinese, a real-vs-synthetic chart per column, the rules checked; then sample and download CSV."""
    import csv
    import io

    from shopmind.synth.service import SynthService

    sign_in(page, shop)
    page.click("#tabs a[data-tab='synth']")
    page.wait_for_selector("body[data-ready='synth']")
    page.select_option("#synth-table", "customers|")
    page.fill("#synth-epochs", "3")
    page.click("#synth-fit")
    page.wait_for_selector("#synth-state[data-state='done']", timeout=180_000)
    assert "epoch 3 of 3" in page.inner_text("#synth-state")
    report = SynthService(shop.store, ArtifactStore(shop.settings.artifacts_dir)).last_report("customers")
    assert report is not None and report["summary"], "the fit job writes the report"
    box = page.locator(".synth-model[data-name='customers']")
    box.wait_for(timeout=30_000)
    charts = box.locator("svg.column-chart")
    assert sorted(charts.evaluate_all("els => els.map(e => e.dataset.column)")) == sorted(report["columns"])
    assert box.locator("svg.column-chart rect.mark.synthetic").count() > 0
    assert f"{report['quality_score']:.3f}"[:4] in box.locator(".cards").inner_text()
    findings = box.locator(".findings li")
    assert (
        findings.count() == len(report["summary"])
        and report["summary"][0]["en"] in findings.first.inner_text()
    )
    box.locator("button.lang[data-lang='zh']").click()
    assert report["summary"][0]["zh"] in box.locator(".findings li").first.inner_text()
    assert "country -> city" in box.locator("#rules").inner_text()  # the hierarchy found in the data
    assert {"email", "name"} <= set(box.locator("#formats").inner_text().split())
    page.fill("#sample-n", "15")
    page.click("#sample-go")
    page.wait_for_selector("#sample-customers tbody tr")
    assert page.locator("#sample-customers tbody tr").count() == 15
    with page.expect_download() as info:
        page.click("#sample-download")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert info.value.suggested_filename == "synthetic-customers.csv" and len(rows) == 15
    assert all("@" in r["email"] and r["email"] != "<other>" for r in rows)
