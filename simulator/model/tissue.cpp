#include "simulator/model/tissue.h"

#include "simulator/model/physical.h"

namespace rfneedle::sim {

TissueModel::TissueModel(int needle_count) : thermal_(needle_count) {
  electrical_.needle_count = needle_count;
}

void TissueModel::set_needle_count(int needle_count) {
  electrical_.needle_count = needle_count;
  thermal_.set_needle_count(needle_count);
}

void TissueModel::set_load_fault(LoadFault fault, Ohms short_circuit) {
  load_fault_ = fault;
  short_circuit_ = short_circuit;
}

double TissueModel::impedance_ohms() const {
  switch (load_fault_) {
    case LoadFault::kOpen:
      return ohms_of(kOpenCircuit);
    case LoadFault::kShort:
      return ohms_of(short_circuit_);
    case LoadFault::kNone:
      break;
  }
  TissueElectricalState state = electrical_;
  state.tip_celsius = thermal_.tip_celsius();
  state.desiccation = thermal_.desiccation();
  return tissue_impedance_ohms(state) * impedance_scale_;
}

Ohms TissueModel::impedance() const { return to_ohms(impedance_ohms()); }

MilliCelsius TissueModel::tip_temperature() const {
  return to_millicelsius(thermal_.tip_celsius());
}

MilliCelsius TissueModel::skin_temperature() const {
  return to_millicelsius(thermal_.skin_celsius());
}

}  // namespace rfneedle::sim
