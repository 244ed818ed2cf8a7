"""The site asset's wiring: every table it renders is a Dagster asset input loaded by the IO
manager, so lineage matches the data flow and no file is read behind Dagster's back."""

import dagster as dg
import polars as pl

from orchestration.assets import site
from orchestration.definitions import defs
from orchestration.io import PolarsParquetIOManager
from transforms.site.marts import SITE_MARTS

PAGES = dg.AssetKey(["site", "pages"])


def test_every_mart_the_definitions_build_is_an_input_of_the_pages():
    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    parents = graph.get(PAGES).parent_keys
    assert marts and marts <= parents
    assert {dg.AssetKey(["marts", m]) for m in SITE_MARTS} == marts
    assert {dg.AssetKey(["clean", t]) for t in site.CLEAN_TABLES} <= parents


def test_input_names_split_back_into_layers():
    frames = {
        "clean__trade": pl.DataFrame({"a": [1]}),
        "marts__dependence": pl.DataFrame({"b": [2]}),
        "marts__concentration": pl.DataFrame({"c": [3]}),
    }
    assert list(site.split_inputs(frames, "clean")) == ["trade"]
    assert list(site.split_inputs(frames, "marts")) == ["concentration", "dependence"]


def test_a_partitioned_table_arrives_whole_through_the_io_manager(tmp_path):
    years = dg.StaticPartitionsDefinition(["2022", "2023"])

    @dg.asset(key=["clean", "trade"], partitions_def=years)
    def trade(context: dg.AssetExecutionContext) -> pl.DataFrame:
        return pl.DataFrame({"year": [int(context.partition_key)], "value_usd": [1.0]})

    seen: dict[str, list[int]] = {}

    @dg.asset(ins={"trade": site.SITE_INS["clean__trade"]})
    def reader(trade: pl.DataFrame) -> None:
        seen["years"] = sorted(trade["year"].to_list())

    resources = {"io_manager": PolarsParquetIOManager(base_dir=str(tmp_path))}
    for year in years.get_partition_keys():
        assert dg.materialize([trade], partition_key=year, resources=resources).success
    assert dg.materialize([trade, reader], selection=[reader], resources=resources).success
    assert seen["years"] == [2022, 2023]
