"""Monte Carlo statistics: measure (energy, |m|, susceptibility, specific heat, Binder cumulant,
second-moment correlation length, each with a jackknife error bar, as `deeprg measure --json`),
sample_series, autocorrelation, integrated_autocorrelation_time, binned_mean; reference_curve
(Monte Carlo curves of |m| and the Binder cumulant against T, and thermometers that read them).
"""
from . import _core

_module = _core.mc
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
