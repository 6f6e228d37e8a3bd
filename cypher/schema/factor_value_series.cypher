// Reading one factor panel (factor, model version) without scanning every FactorValue.
CREATE INDEX factor_value_series IF NOT EXISTS FOR (f:FactorValue) ON (f.factor, f.modelVersion)
