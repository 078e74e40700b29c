#include "kernels/rng.hpp"
