#pragma once
// The processes the command-line tool runs among: MPI's world when deeprg was built with MPI and
// mpirun (or mpiexec, or a batch system's launcher) started it, else this process alone.
// mpi_world.cpp is the only file of deeprg that includes mpi.h; the libraries see the
// Communicator interface (deeprg/core/communicator.hpp) and nothing of MPI.
#include <functional>
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

/// Runs a command's `job(world, setup)` on make_world() with the error policy of a job under
/// mpirun. An error that every rank meets alike (a bad flag, value or input, met while `*setup`
/// is still true, which `job` clears once the work starts, and every ConfigError) is reported by
/// rank 0 alone, which also sets the job's exit status: the other ranks return quietly (exit 0),
/// since mpirun kills the whole job as soon as one process exits non-zero, possibly before rank
/// 0 has said why. An error of one rank alone during the work (an MPI failure, memory) is that
/// rank's to report: it prints it with its rank and ends the job (abort_world), since the others
/// may be waiting for it. A process alone throws as `job` does (its `setup` is null), and so
/// does rank 0 of several for a ConfigError or an error during setup; any other error of rank 0
/// during the work ends the job as one rank's error does, since the others may be waiting.
void run_on_world(const std::function<void(Communicator& world, bool* setup)>& job);

}  // namespace deeprg::cli
