// Test helper: label every stored value of one factor with an origin (as `factors import` stores it).
MATCH (f:FactorValue {factor: $factor})
SET f.origin = $origin
RETURN count(f) AS rows
