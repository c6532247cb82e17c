from builder.views.shaping import formatting


def test_numbers_read_naturally():
    assert formatting.number(4.14) == "4.14"
    assert formatting.number(106.0) == "106"
    assert formatting.number(197.61805) == "197.618"
    assert formatting.number(0.003) == "0.003"
    assert formatting.number(2.5, digits=3) == "2.5"
    assert formatting.number(1e-7) == "0.0000001"


def test_open_ranges_from_icat_bounds():
    assert formatting.open_range(None, 18) == "< 18"
    assert formatting.open_range(18, None) == "> 18"
    assert formatting.open_range(18, 30) == "18–30"


def test_sizes_in_decimal_units():
    assert formatting.size(999) == "999 B"
    assert formatting.size(3_000) == "3.0 kB"
    assert formatting.size(31_000_000_000) == "31.0 GB"
    assert formatting.size(None) == ""


def test_dates_and_years():
    assert formatting.date("2023-09-22T00:00:00+00:00") == "2023-09-22"
    assert formatting.year("2024-01-01") == "2024"
    assert formatting.year("-0350-01-01") == "350 BCE"


def test_years_before_the_common_era():
    assert formatting.year_number(-350) == "350 BCE"
    assert formatting.year_number(1850.0) == "1850"
    assert formatting.year_span(-664, -332) == "664–332 BCE"
    assert formatting.year_span(-27, 14) == "27 BCE – 14 CE"
    assert formatting.year_span(1500, 1520) == "1500–1520"
    assert formatting.year_span(-350, -350) == "350 BCE"
    assert formatting.year_span(None, 1500) == "before 1500"
    assert formatting.year_span(-300, None) == "after 300 BCE"
