#!/usr/bin/python3
"""Drives Hearth Studio in Debian's headless Chromium through Selenium, as a person would:
load the page with the token, fill the random dataset's form, Load and browse its samples,
analyze it, set up an MLP with a diagnostic, check it, Train, watch curve points
arrive, Stop and Resume, move the diagnostic's epoch slider and see its picture change, save the
job, and compare two runs on the Dashboard. Screenshots of each
tab go to SHOTS. Prints one line per step; exits non-zero at the first step that fails.

Usage: studio_browser.py URL SHOTS
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

URL, SHOTS = sys.argv[1], sys.argv[2]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # As root, with no network: these keep Chromium from trying to reach Google (docs/studio.md).
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def step(text):
    print(f"step: {text}", flush=True)


def wait_for(driver, what, condition, seconds=120):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception:
        print(f"FAILED waiting for {what}", flush=True)
        print(driver.find_element(By.TAG_NAME, "body").text[:3000], flush=True)
        for entry in driver.get_log("browser"):
            print("console:", entry, flush=True)
        raise


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def set_field(driver, element_id, value):
    field = driver.find_element(By.ID, element_id)
    if field.tag_name == "select":
        Select(field).select_by_value(value)
    else:
        field.clear()
        field.send_keys(value)


def main():
    driver = browser()
    try:
        step("load the page with the token")
        driver.get(URL)
        wait_for(driver, "the page to be ready", lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        assert "token=" not in driver.current_url, driver.current_url  # the token moved to a cookie
        wait_for(driver, "the event stream", lambda d: text_of(d, "connection") == "live")

        step("the Dataset tab: fill the random dataset's form, Load, see its samples rendered")
        driver.find_element(By.CSS_SELECTOR, 'nav .tab[data-tab="dataset"]').click()
        set_field(driver, "dataset-plugin", "random")
        for key, value in (("train_samples", "20000"), ("valid_samples", "256"), ("input_shape", "[8]"), ("classes", "3"),
                           ("batch_size", "16")):
            set_field(driver, f"dataset-{key}", value)
        set_field(driver, "dataset-classes", "-3")
        wait_for(driver, "the dataset's check beside its form", lambda d: "classes" in text_of(d, "dataset-check") and "studio-job.toml:" in text_of(d, "dataset-check"))
        set_field(driver, "dataset-classes", "3")
        wait_for(driver, "the dataset's check to pass", lambda d: "the job is valid" in text_of(d, "dataset-check"))
        driver.find_element(By.ID, "dataset-load").click()
        wait_for(driver, "the split sizes", lambda d: "20000" in text_of(d, "dataset-splits"))
        wait_for(driver, "the tensors", lambda d: "[8]" in text_of(d, "dataset-tensors"))
        wait_for(driver, "rendered samples", lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.samples img")) >= 8)
        driver.find_element(By.ID, "samples-next").click()
        wait_for(driver, "the next page", lambda d: d.find_elements(By.CSS_SELECTOR, 'table.samples tr[data-position="8"]'))
        driver.find_element(By.ID, "dataset-analyze").click()
        wait_for(driver, "the analyzers' reports", lambda d: d.find_elements(By.CSS_SELECTOR, "#analysis img"))
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(f"{SHOTS}/studio-dataset.png")

        step("the Model tab: set up an MLP")
        driver.find_element(By.CSS_SELECTOR, 'nav .tab[data-tab="model"]').click()
        set_field(driver, "job-name", "browser-mlp")
        set_field(driver, "model-plugin", "mlp")
        for key, value in (("in_features", "8"), ("hidden", "[64, 64]"), ("out_features", "3")):
            set_field(driver, f"model-{key}", value)
        set_field(driver, "job-threads", "1")
        set_field(driver, "job-device", "cpu")
        set_field(driver, "train-epochs", "3")
        driver.find_element(By.CSS_SELECTOR, "#job-form > details > summary").click()
        set_field(driver, "job-extra", '[[diagnostics]]\nplugin = "weights"\nevery = 1\n')
        wait_for(driver, "the job's TOML", lambda d: "hidden = [64, 64]" in d.find_element(By.ID, "job-toml").get_attribute("textContent"))
        wait_for(driver, "hearth check to pass", lambda d: "the job is valid" in text_of(d, "check-status"))
        toml = driver.find_element(By.ID, "job-toml").get_attribute("textContent")
        assert 'plugin = "mlp"' in toml and 'name = "browser-mlp"' in toml and "epochs = 3" in toml, toml

        step("a bad value shows hearth check's message at its line")
        set_field(driver, "train-epochs", "-3")
        wait_for(driver, "the epochs problem", lambda d: "studio-job.toml:" in text_of(d, "check-status") and "epochs" in text_of(d, "check-status"))
        set_field(driver, "train-epochs", "3")
        wait_for(driver, "hearth check to pass again", lambda d: "the job is valid" in text_of(d, "check-status"))
        wait_for(driver, "the model graph", lambda d: d.find_elements(By.CSS_SELECTOR, "#graph img"))
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(f"{SHOTS}/studio-model.png")

        step("save the job")
        set_field(driver, "job-path", "browser-mlp.toml")
        driver.find_element(By.ID, "save-job").click()
        wait_for(driver, "the save", lambda d: "saved browser-mlp.toml" in text_of(d, "action-status"))

        step("train, and see curve points arrive while it trains")
        driver.find_element(By.ID, "train").click()
        wait_for(driver, "the run to start", lambda d: ": running" in text_of(d, "live-title"))
        wait_for(driver, "batch points", lambda d: "samples/s" in text_of(d, "live-facts") and d.find_elements(By.CSS_SELECTOR, "#chart-batches canvas"))
        first = text_of(driver, "live-facts")
        wait_for(driver, "more batch points", lambda d: text_of(d, "live-facts") != first and ": running" in text_of(d, "live-title"))
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(f"{SHOTS}/studio-training.png")

        step("stop: the run writes its last checkpoint")
        driver.find_element(By.ID, "stop").click()
        wait_for(driver, "the run to be interrupted", lambda d: ": interrupted" in text_of(d, "live-title"))
        run = text_of(driver, "live-title").split(":")[0]

        step("resume, to the end")
        wait_for(driver, "Resume to be enabled", lambda d: d.find_element(By.ID, "resume").is_enabled())
        driver.find_element(By.ID, "resume").click()
        wait_for(driver, "the run to complete", lambda d: ": completed" in text_of(d, "live-title"), seconds=300)
        wait_for(driver, "the epoch curves", lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-metrics canvas"))
        wait_for(driver, "the predictions contact sheet", lambda d: d.find_elements(By.ID, "predictions-sheet"))

        step("the diagnostic's pictures: the slider at the last epoch, moved back to the first")
        panel = '#diagnostics-live .diagnostic[data-diagnostic="weights"]'
        wait_for(driver, "the weights diagnostic at epoch 3", lambda d: d.find_elements(By.CSS_SELECTOR, f'{panel}[data-epoch="3"]'))
        slider = driver.find_element(By.CSS_SELECTOR, f"{panel} input.epoch-slider")
        assert slider.get_attribute("max") == "2", slider.get_attribute("max")  # epochs 1, 2, 3
        picture = driver.find_element(By.CSS_SELECTOR, f"{panel} img.diagnostic-picture")
        last = picture.get_attribute("src")
        assert "epoch-003.png" in last, last
        slider.send_keys(Keys.HOME)
        wait_for(driver, "the picture of epoch 1", lambda d: d.find_elements(By.CSS_SELECTOR, f'{panel}[data-epoch="1"]'))
        first = picture.get_attribute("src")
        assert "epoch-001.png" in first, first
        wait_for(driver, "the picture to load", lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", picture))
        same = driver.execute_async_script("""
            const [a, b, done] = arguments;
            Promise.all([a, b].map((u) => fetch(u).then((r) => r.arrayBuffer()))).then(([x, y]) => {
              const p = new Uint8Array(x), q = new Uint8Array(y);
              done(p.length === q.length && p.every((v, i) => v === q[i]));
            });""", first, last)
        assert same is False, "the pictures of epochs 1 and 3 are the same bytes"
        slider.send_keys(Keys.RIGHT)
        wait_for(driver, "the picture of epoch 2", lambda d: "epoch-002.png" in picture.get_attribute("src"))
        driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.CSS_SELECTOR, panel))
        driver.save_screenshot(f"{SHOTS}/studio-diagnostics.png")

        step("a second run, then the dashboard compares both")
        set_field(driver, "train-epochs", "1")
        wait_for(driver, "hearth check to pass", lambda d: "the job is valid" in text_of(d, "check-status"))
        driver.find_element(By.ID, "train").click()
        wait_for(driver, "the second run to complete", lambda d: ": completed" in text_of(d, "live-title") and not text_of(d, "live-title").startswith(run), seconds=300)
        second = text_of(driver, "live-title").split(":")[0]
        driver.find_element(By.CSS_SELECTOR, 'nav .tab[data-tab="dashboard"]').click()
        wait_for(driver, "two runs listed", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) == 2)
        for box in driver.find_elements(By.CSS_SELECTOR, "#runs tbody input[type=checkbox]"):
            box.click()
        wait_for(driver, "the overlay of both runs", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chart-overlay .u-legend .u-series")) == 3)
        wait_for(driver, "the parameters plot", lambda d: d.find_elements(By.CSS_SELECTOR, "#params-plot img"))
        driver.find_element(By.CSS_SELECTOR, "#runs tbody a.run-name").click()
        wait_for(driver, "the run's files", lambda d: "metrics.csv" in text_of(d, "run-detail"))
        wait_for(driver, "the run's diagnostic", lambda d: d.find_elements(By.CSS_SELECTOR, '#run-diagnostics .diagnostic[data-diagnostic="weights"][data-epoch="1"]'))
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(f"{SHOTS}/studio-dashboard.png")
        # Train saved the job again before this run: the file on disk is this run's job.
        print(f"run: {second}", flush=True)
        print("all steps passed", flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
