"""Hand-written universe of the synthetic demo dataset: companies, segment flows, fund styles, directors.

The tickers and company names are real so that the demo reads naturally in Neo4j Browser, but every
relationship, holding, board seat and price generated from these lists is SYNTHETIC (see
:mod:`nexus_graph.sources.demo`). Fund and director names are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# embedding checks the demo universe must pass: peers in one segment closer than a distributor
DEMO_CHECKS = ("NVDA~AMD > NVDA~ARW", "AMAT~LRCX > AMAT~ARW", "MU~WDC > MU~AVT")

SEGMENTS = (
    "fabless", "foundry", "idm", "memory", "equipment", "materials", "eda_ip", "distributor", "oem", "hyperscaler",
)
SEMI_SEGMENTS = ("fabless", "foundry", "idm", "memory", "equipment", "materials", "eda_ip")


@dataclass(frozen=True)
class CompanyRow:
    """One company of the reference universe."""

    company_id: str
    name: str
    segment: str
    country: str
    tier: int  # rough size: 3 mega cap .. 0 small cap
    fye_month: int  # fiscal-year-end month (drives 10-K and proxy filing dates)
    listed_from: str | None = None
    listed_to: str | None = None


def _c(cid: str, name: str, seg: str, tier: int, fye: int = 12, country: str = "US",
       listed_from: str | None = None, listed_to: str | None = None) -> CompanyRow:
    return CompanyRow(cid, name, seg, country, tier, fye, listed_from, listed_to)


EQUITIES: tuple[CompanyRow, ...] = (
    # fabless (26)
    _c("NVDA", "NVIDIA Corporation", "fabless", 3, 1),
    _c("AMD", "Advanced Micro Devices, Inc.", "fabless", 3),
    _c("AVGO", "Broadcom Inc.", "fabless", 3, 10),
    _c("QCOM", "QUALCOMM Incorporated", "fabless", 3, 9),
    _c("MRVL", "Marvell Technology, Inc.", "fabless", 2, 1),
    _c("MPWR", "Monolithic Power Systems, Inc.", "fabless", 2),
    _c("XLNX", "Xilinx, Inc.", "fabless", 2, 3, listed_to="2022-02-14"),
    _c("LSCC", "Lattice Semiconductor Corporation", "fabless", 1),
    _c("SLAB", "Silicon Laboratories Inc.", "fabless", 1),
    _c("SMTC", "Semtech Corporation", "fabless", 1, 1),
    _c("SYNA", "Synaptics Incorporated", "fabless", 1, 6),
    _c("CRUS", "Cirrus Logic, Inc.", "fabless", 1, 3),
    _c("AMBA", "Ambarella, Inc.", "fabless", 0, 1),
    _c("SITM", "SiTime Corporation", "fabless", 0),
    _c("MXL", "MaxLinear, Inc.", "fabless", 0),
    _c("NVTS", "Navitas Semiconductor Corporation", "fabless", 0, listed_from="2021-10-20"),
    _c("INDI", "indie Semiconductor, Inc.", "fabless", 0, listed_from="2021-06-11"),
    _c("CRDO", "Credo Technology Group Holding Ltd", "fabless", 1, 4, listed_from="2022-01-27"),
    _c("ALAB", "Astera Labs, Inc.", "fabless", 1, listed_from="2024-03-20"),
    _c("HIMX", "Himax Technologies, Inc.", "fabless", 0, country="TW"),
    _c("SIMO", "Silicon Motion Technology Corporation", "fabless", 0, country="TW"),
    _c("MTSI", "MACOM Technology Solutions Holdings, Inc.", "fabless", 1, 9),
    _c("PI", "Impinj, Inc.", "fabless", 0),
    _c("POWI", "Power Integrations, Inc.", "fabless", 0),
    _c("QUIK", "QuickLogic Corporation", "fabless", 0),
    _c("PXLW", "Pixelworks, Inc.", "fabless", 0),
    # foundry and outsourced assembly/test (7)
    _c("TSM", "Taiwan Semiconductor Manufacturing Company Limited", "foundry", 3, country="TW"),
    _c("UMC", "United Microelectronics Corporation", "foundry", 1, country="TW"),
    _c("GFS", "GlobalFoundries Inc.", "foundry", 2, listed_from="2021-10-28"),
    _c("TSEM", "Tower Semiconductor Ltd.", "foundry", 1, country="IL"),
    _c("AMKR", "Amkor Technology, Inc.", "foundry", 1),
    _c("ASX", "ASE Technology Holding Co., Ltd.", "foundry", 1, country="TW"),
    _c("SKYT", "SkyWater Technology, Inc.", "foundry", 0, listed_from="2021-04-21"),
    # integrated device manufacturers (18)
    _c("INTC", "Intel Corporation", "idm", 3),
    _c("TXN", "Texas Instruments Incorporated", "idm", 3),
    _c("ADI", "Analog Devices, Inc.", "idm", 2, 10),
    _c("NXPI", "NXP Semiconductors N.V.", "idm", 2, country="NL"),
    _c("MCHP", "Microchip Technology Incorporated", "idm", 2, 3),
    _c("ON", "ON Semiconductor Corporation", "idm", 2),
    _c("STM", "STMicroelectronics N.V.", "idm", 2, country="CH"),
    _c("IFNNY", "Infineon Technologies AG", "idm", 2, 9, country="DE"),
    _c("RNECY", "Renesas Electronics Corporation", "idm", 2, country="JP"),
    _c("ROHCY", "ROHM Co., Ltd.", "idm", 1, 3, country="JP"),
    _c("MXIM", "Maxim Integrated Products, Inc.", "idm", 2, 6, listed_to="2021-08-26"),
    _c("WOLF", "Wolfspeed, Inc.", "idm", 1, 6),
    _c("QRVO", "Qorvo, Inc.", "idm", 1, 3),
    _c("SWKS", "Skyworks Solutions, Inc.", "idm", 1, 9),
    _c("ALGM", "Allegro MicroSystems, Inc.", "idm", 1, 3),
    _c("DIOD", "Diodes Incorporated", "idm", 0),
    _c("VSH", "Vishay Intertechnology, Inc.", "idm", 0),
    _c("AOSL", "Alpha and Omega Semiconductor Limited", "idm", 0, 6),
    # memory and storage (5)
    _c("MU", "Micron Technology, Inc.", "memory", 3, 8),
    _c("WDC", "Western Digital Corporation", "memory", 2, 6),
    _c("STX", "Seagate Technology Holdings plc", "memory", 2, 6, country="IE"),
    _c("SNDK", "Sandisk Corporation", "memory", 1, 6, listed_from="2025-02-24"),
    _c("SGH", "SMART Global Holdings, Inc.", "memory", 0, 8),
    # semiconductor equipment (22)
    _c("ASML", "ASML Holding N.V.", "equipment", 3, country="NL"),
    _c("AMAT", "Applied Materials, Inc.", "equipment", 3, 10),
    _c("LRCX", "Lam Research Corporation", "equipment", 3, 6),
    _c("KLAC", "KLA Corporation", "equipment", 3, 6),
    _c("TOELY", "Tokyo Electron Limited", "equipment", 2, 3, country="JP"),
    _c("ATEYY", "Advantest Corporation", "equipment", 2, 3, country="JP"),
    _c("TER", "Teradyne, Inc.", "equipment", 2),
    _c("ONTO", "Onto Innovation Inc.", "equipment", 1),
    _c("NVMI", "Nova Ltd.", "equipment", 1, country="IL"),
    _c("CAMT", "Camtek Ltd.", "equipment", 1, country="IL"),
    _c("FORM", "FormFactor, Inc.", "equipment", 1),
    _c("ACLS", "Axcelis Technologies, Inc.", "equipment", 1),
    _c("KLIC", "Kulicke and Soffa Industries, Inc.", "equipment", 1, 9),
    _c("AEIS", "Advanced Energy Industries, Inc.", "equipment", 1),
    _c("MKSI", "MKS Instruments, Inc.", "equipment", 1),
    _c("ACMR", "ACM Research, Inc.", "equipment", 1),
    _c("COHU", "Cohu, Inc.", "equipment", 0),
    _c("UCTT", "Ultra Clean Holdings, Inc.", "equipment", 0),
    _c("ICHR", "Ichor Holdings, Ltd.", "equipment", 0),
    _c("VECO", "Veeco Instruments Inc.", "equipment", 0),
    _c("AEHR", "Aehr Test Systems", "equipment", 0, 5),
    _c("PDFS", "PDF Solutions, Inc.", "equipment", 0),
    # materials and gases (10)
    _c("LIN", "Linde plc", "materials", 3, country="IE"),
    _c("APD", "Air Products and Chemicals, Inc.", "materials", 2, 9),
    _c("DD", "DuPont de Nemours, Inc.", "materials", 2),
    _c("SHECY", "Shin-Etsu Chemical Co., Ltd.", "materials", 2, 3, country="JP"),
    _c("ENTG", "Entegris, Inc.", "materials", 2),
    _c("CCMP", "CMC Materials, Inc.", "materials", 1, 9, listed_to="2022-07-06"),
    _c("SUOPY", "SUMCO Corporation", "materials", 1, country="JP"),
    _c("MTRN", "Materion Corporation", "materials", 0),
    _c("PLAB", "Photronics, Inc.", "materials", 0, 10),
    _c("AXTI", "AXT, Inc.", "materials", 0),
    # EDA and IP (6)
    _c("SNPS", "Synopsys, Inc.", "eda_ip", 3, 10),
    _c("CDNS", "Cadence Design Systems, Inc.", "eda_ip", 3),
    _c("ARM", "Arm Holdings plc", "eda_ip", 3, 3, country="GB", listed_from="2023-09-14"),
    _c("ANSS", "ANSYS, Inc.", "eda_ip", 2, listed_to="2025-07-17"),
    _c("RMBS", "Rambus Inc.", "eda_ip", 1),
    _c("CEVA", "CEVA, Inc.", "eda_ip", 0),
    # distributors (6)
    _c("ARW", "Arrow Electronics, Inc.", "distributor", 2),
    _c("AVT", "Avnet, Inc.", "distributor", 2, 6),
    _c("SNX", "TD SYNNEX Corporation", "distributor", 2, 11),
    _c("NSIT", "Insight Enterprises, Inc.", "distributor", 1),
    _c("SCSC", "ScanSource, Inc.", "distributor", 0, 6),
    _c("RELL", "Richardson Electronics, Ltd.", "distributor", 0, 5),
    # OEM customers (28)
    _c("AAPL", "Apple Inc.", "oem", 3, 9),
    _c("CSCO", "Cisco Systems, Inc.", "oem", 3, 7),
    _c("TSLA", "Tesla, Inc.", "oem", 3),
    _c("DELL", "Dell Technologies Inc.", "oem", 2, 1),
    _c("HPQ", "HP Inc.", "oem", 2, 10),
    _c("HPE", "Hewlett Packard Enterprise Company", "oem", 2, 10),
    _c("SMCI", "Super Micro Computer, Inc.", "oem", 2, 6),
    _c("ANET", "Arista Networks, Inc.", "oem", 2),
    _c("F", "Ford Motor Company", "oem", 2),
    _c("GM", "General Motors Company", "oem", 2),
    _c("SONY", "Sony Group Corporation", "oem", 2, 3, country="JP"),
    _c("LNVGY", "Lenovo Group Limited", "oem", 2, 3, country="HK"),
    _c("ERIC", "Telefonaktiebolaget LM Ericsson", "oem", 2, country="SE"),
    _c("NOK", "Nokia Oyj", "oem", 2, country="FI"),
    _c("MSI", "Motorola Solutions, Inc.", "oem", 2),
    _c("JNPR", "Juniper Networks, Inc.", "oem", 1, listed_to="2025-07-02"),
    _c("LOGI", "Logitech International S.A.", "oem", 1, 3, country="CH"),
    _c("GRMN", "Garmin Ltd.", "oem", 1, country="CH"),
    _c("NTAP", "NetApp, Inc.", "oem", 1, 4),
    _c("PSTG", "Pure Storage, Inc.", "oem", 1, 1),
    _c("JBL", "Jabil Inc.", "oem", 1, 8),
    _c("FLEX", "Flex Ltd.", "oem", 1, 3),
    _c("CLS", "Celestica Inc.", "oem", 1, country="CA"),
    _c("ZBRA", "Zebra Technologies Corporation", "oem", 1),
    _c("CIEN", "Ciena Corporation", "oem", 1, 10),
    _c("SONO", "Sonos, Inc.", "oem", 0, 9),
    _c("GPRO", "GoPro, Inc.", "oem", 0),
    _c("NTGR", "NETGEAR, Inc.", "oem", 0),
    # hyperscalers and cloud (12)
    _c("MSFT", "Microsoft Corporation", "hyperscaler", 3, 6),
    _c("GOOGL", "Alphabet Inc.", "hyperscaler", 3),
    _c("AMZN", "Amazon.com, Inc.", "hyperscaler", 3),
    _c("META", "Meta Platforms, Inc.", "hyperscaler", 3),
    _c("ORCL", "Oracle Corporation", "hyperscaler", 3, 5),
    _c("IBM", "International Business Machines Corporation", "hyperscaler", 2),
    _c("BABA", "Alibaba Group Holding Limited", "hyperscaler", 2, 3, country="CN"),
    _c("TCEHY", "Tencent Holdings Limited", "hyperscaler", 2, country="CN"),
    _c("BIDU", "Baidu, Inc.", "hyperscaler", 1, country="CN"),
    _c("AKAM", "Akamai Technologies, Inc.", "hyperscaler", 1),
    _c("NET", "Cloudflare, Inc.", "hyperscaler", 1),
    _c("DOCN", "DigitalOcean Holdings, Inc.", "hyperscaler", 0, listed_from="2021-03-24"),
)

# In the graph only: a foreign listing outside the universe, a private supplier, a foreign OEM.
EXTENDED: tuple[CompanyRow, ...] = (
    _c("005930.KS", "Samsung Electronics Co., Ltd.", "memory", 3, country="KR"),
    _c("000660.KS", "SK hynix Inc.", "memory", 2, country="KR"),
    _c("2317.TW", "Hon Hai Precision Industry Co., Ltd. (Foxconn)", "oem", 2, country="TW"),
    _c("ZEISS-SMT", "Carl Zeiss SMT GmbH (private)", "materials", 1, country="DE"),
)

# Relative rate of a supply link from a company of the first segment to one of the second (per pair).
SUPPLY_FLOWS: dict[tuple[str, str], float] = {
    ("materials", "foundry"): 1.0, ("materials", "memory"): 1.0, ("materials", "idm"): 0.8,
    ("materials", "equipment"): 0.4,
    ("equipment", "foundry"): 1.0, ("equipment", "memory"): 1.0, ("equipment", "idm"): 0.8,
    ("eda_ip", "fabless"): 0.8, ("eda_ip", "idm"): 0.5, ("eda_ip", "foundry"): 0.5,
    ("eda_ip", "hyperscaler"): 0.3, ("eda_ip", "oem"): 0.15,
    ("foundry", "fabless"): 1.0, ("foundry", "idm"): 0.3, ("foundry", "hyperscaler"): 0.15,
    ("fabless", "oem"): 0.5, ("fabless", "hyperscaler"): 0.6, ("fabless", "distributor"): 0.6,
    ("idm", "oem"): 0.45, ("idm", "distributor"): 0.9, ("idm", "hyperscaler"): 0.15,
    ("memory", "oem"): 0.6, ("memory", "hyperscaler"): 0.7, ("memory", "distributor"): 0.5,
    ("memory", "fabless"): 0.25,
    ("distributor", "oem"): 0.7, ("distributor", "hyperscaler"): 0.15,
    ("oem", "hyperscaler"): 0.35,
}

# The segments each fund style invests in: a fund never holds a company outside its style's segments
# (nor outside its size band), and holds most of the names inside -- so where a fund's next position
# comes from is readable from what it already holds, while negatives are mostly out-of-style pairs.
STYLES: dict[str, frozenset[str]] = {
    "broad": frozenset(SEGMENTS),
    "semis": frozenset(SEMI_SEGMENTS),
    "semicap": frozenset(SEMI_SEGMENTS) - {"fabless", "eda_ip"},  # chip makers and their toolmakers
    "ai_compute": frozenset(SEGMENTS) - {"materials", "distributor"},
    "value_income": frozenset(SEGMENTS) - {"fabless", "eda_ip"},
    "hardware": frozenset(SEGMENTS) - {"equipment", "materials", "eda_ip"},
}

ANY_SIZE = (-np.inf, np.inf)


@dataclass(frozen=True)
class FundRow:
    """One fund and how it holds: style, size band, breadth, size tilt and typical holding period.

    Inside its style's segments and its ``size_band`` (latent company size, about -1 small cap .. 2
    mega cap) a company is held with log-odds ``breadth + size_tilt * size`` (plus one calibration
    offset shared by all funds); outside, never. ``holding_years`` is the mean length of a position.
    """

    fund_id: str
    name: str
    fund_type: str
    style: str
    breadth: float
    size_tilt: float
    holding_years: float
    size_band: tuple[float, float] = ANY_SIZE


_LARGE = 0.5  # latent size splitting the large-cap index from the extended-market index
_SMALL = -0.5  # latent size below which a company counts as a small cap
LARGE_AND_MID, SMALL_AND_MID = (_SMALL, np.inf), (-np.inf, _LARGE)

FUNDS: tuple[FundRow, ...] = (
    # passive: the whole of a rule-defined universe, held for decades
    FundRow("MERIDIAN-TMI", "Meridian Total Market Index Fund", "index", "broad", 9.0, 0.0, 25.0),
    FundRow("KEYSTONE-500", "Keystone Large-Cap Index Trust", "index", "broad", 9.0, 0.0, 25.0, (_LARGE, np.inf)),
    FundRow("HARBORPT-EXT", "Harbor Point Extended Market Index", "index", "broad", 9.0, 0.0, 25.0,
            (-np.inf, _LARGE)),
    FundRow("ATLAS-GLOBAL", "Atlas Global Equity Index", "index", "broad", 9.0, 0.0, 25.0),
    FundRow("COBALT-SEMI", "Cobalt Semiconductor Select ETF", "sector_etf", "semis", 9.0, 0.0, 20.0),
    FundRow("SILRIDGE-SOX", "Silicon Ridge Semiconductor ETF", "sector_etf", "semis", 9.0, 0.0, 20.0),
    FundRow("STATE-TEACH", "State Teachers' Pension Equity Plan", "pension", "broad", 9.0, 0.0, 20.0),
    FundRow("NORDIC-SWF", "Nordic Sovereign Wealth Fund", "sovereign", "broad", 9.0, 0.0, 20.0),
    FundRow("AURORA-AIQ", "Aurora AI & Robotics ETF", "thematic_etf", "ai_compute", 6.0, 0.0, 8.0),
    # active: most names of their style and size band, rotating at the margin (growth and dividend funds
    # lean a little towards larger companies, the small-cap fund towards smaller ones)
    FundRow("NORTHWIND-GR", "Northwind Growth Fund", "active", "ai_compute", 2.6, 0.3, 1.5, LARGE_AND_MID),
    FundRow("GRANITE-TECH", "Granite Peak Technology Fund", "active", "ai_compute", 2.8, 0.0, 1.5),
    FundRow("BLUEWATER-CA", "Bluewater Capital Appreciation Fund", "active", "broad", 2.8, 0.0, 1.5, LARGE_AND_MID),
    FundRow("TIDEWATER-VP", "Tidewater Value Partners", "active", "value_income", 2.8, 0.0, 1.5),
    FundRow("REDWOOD-DIV", "Redwood Dividend Income Fund", "active", "value_income", 2.6, 0.3, 2.0),
    FundRow("SUMMIT-SCAP", "Summit Semicap Opportunities Fund", "active", "semicap", 2.8, 0.0, 1.5),
    FundRow("LANTERN-SCD", "Lantern Small-Cap Discovery Fund", "active", "broad", 2.7, -0.3, 1.5, SMALL_AND_MID),
    FundRow("PINECREST-HW", "Pinecrest Hardware Leaders Fund", "active", "hardware", 2.8, 0.0, 1.5),
    # quant and hedge: broad books, fast turnover
    FundRow("ORION-QUANT", "Orion Quantitative Equity", "quant", "semis", 2.8, 0.0, 0.75),
    FundRow("VECTOR-SYS", "Vector Systematic Strategies", "quant", "value_income", 2.8, 0.0, 0.75),
    FundRow("HALCYON-GM", "Halcyon Global Macro", "hedge", "hardware", 2.8, 0.0, 0.75),
    FundRow("KESTREL-LS", "Kestrel Tech Long/Short", "hedge", "ai_compute", 2.8, 0.0, 0.75),
    FundRow("IRONBRIDGE-ED", "Ironbridge Event Driven", "hedge", "broad", 2.8, 0.0, 0.75),
)

# Fictional directors (no real person's board seats are described).
DIRECTOR_NAMES: tuple[str, ...] = (
    "Alicia Moreno", "Benedikt Hartmann", "Chen Wei-Lin", "Dana Okafor", "Eleanor Vance", "Farid Haddad",
    "Grace Lindqvist", "Hiroshi Tanabe", "Isabel Duarte", "James Whitcombe", "Kavya Raman", "Lucas Brennan",
    "Mira Sokolova", "Nathan Adeyemi",
)
BOARD_ROLES: tuple[str, ...] = (
    "independent director", "independent director", "independent director", "audit committee chair",
    "lead independent director", "chair",
)
