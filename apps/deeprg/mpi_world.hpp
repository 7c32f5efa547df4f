#pragma once
// The processes the command-line tool runs among: MPI's world when deeprg was built with MPI and
// mpirun (or mpiexec, or a batch system's launcher) started it, else this process alone.
// mpi_world.cpp is the only file of deeprg that includes mpi.h; the libraries see the
// Communicator interface (deeprg/core/communicator.hpp) and nothing of MPI.
#include <memory>

#include "deeprg/core/communicator.hpp"

namespace deeprg::cli {

/// How many processes a launcher started this one among, and its rank there, read from the
/// environment it sets (Open MPI's OMPI_COMM_WORLD_SIZE and _RANK, else PMI_SIZE and PMI_RANK
/// as MPICH's and Slurm's set them): 1 and 0 when no launcher started it. Known without MPI.
int launched_ranks();
int launched_rank();

/// This process's world: MPI_COMM_WORLD (MPI initialised now and finalised when the object
/// goes) when built with MPI and launched_ranks() > 1, else a SerialCommunicator; a plain run
/// never starts MPI. Throws ConfigError("mpirun") when a launcher started several processes but
/// deeprg was built without MPI: each would otherwise run the whole job, into the same files.
std::unique_ptr<Communicator> make_world();

/// Ends every rank of the job at once (MPI_Abort with `code`) when MPI is running; does nothing
/// otherwise. For an error of one rank while the others may wait for it in a collective.
void abort_world(int code);

}  // namespace deeprg::cli
