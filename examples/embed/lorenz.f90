! The Fortran twin of lorenz.c: a Lorenz ensemble integrated with RK4 trains its surrogate (the
! job lorenz.toml) through the hearth_f module while it runs, then steps with it.
!
! lorenz_f [RUNS_DIR]   (run from this folder)
program lorenz_f
  use, intrinsic :: iso_c_binding
  use hearth_f
  implicit none
  integer, parameter :: n = 256, jump = 10
  real(c_double), parameter :: dt = 0.005d0
  real(c_float), parameter :: scale = 20.0
  real(c_double) :: train(n, 3), held_out(n, 3), truth(n, 3), loss, valid, energy, error
  real(c_float), target :: from(n, 3), to(n, 3), guess(n, 3), next(n, 3)
  type(c_ptr) :: session
  character(len=4096) :: runs
  logical :: stop
  integer :: b, k, step

  runs = 'runs'
  if (command_argument_count() >= 1) call get_command_argument(1, runs)
  call check(hearth_open('lorenz.toml', trim(runs), session), 'hearth_open')
  write (*, '(A,A)') 'training the surrogate in ', hearth_run_folder(session)
  call start(train, 1)
  call start(held_out, 2)
  stop = .false.
  do while (.not. stop)
    do b = 1, 25
      call advance(train, from, to, energy)
      call check(hearth_train_step(session, from, to, loss), 'hearth_train_step')
    end do
    call advance(held_out, from, to, energy)
    call check(hearth_eval_step(session, from, to, valid), 'hearth_eval_step')
    call check(hearth_log_scalar(session, 'sim.energy', energy), 'hearth_log_scalar')
    call check(hearth_end_epoch(session, stop), 'hearth_end_epoch')
  end do
  write (*, '(A,I0,A,ES10.3,A,ES10.3)') 'trained: ', hearth_step_count(session), ' steps, last train loss ', loss, &
      ', valid loss ', valid

  call start(truth, 3)
  guess = real(truth, c_float) / scale
  do step = 1, 20
    call check(hearth_predict(session, guess, next), 'hearth_predict')
    do k = 1, jump
      call rk4(truth)
    end do
    guess = next
    error = sqrt(sum((scale * real(next, c_double) - truth)**2) / n)
    if (step == 1 .or. mod(step, 5) == 0) &
      write (*, '(A,I3,A,F8.3)') 'after ', step * jump, ' steps of dt: rms distance from RK4 ', error
  end do
  call check(hearth_close(session), 'hearth_close')

contains

  subroutine check(status, what)
    integer, intent(in) :: status
    character(len=*), intent(in) :: what
    if (status == HEARTH_EMBED_OK) return
    write (0, '(A,A,A)') what, ': ', hearth_last_error()
    error stop 1
  end subroutine

  ! The derivative of every system of the ensemble at once (whole-array arithmetic).
  function derivative(s) result(d)
    real(c_double), intent(in) :: s(:, :)
    real(c_double) :: d(size(s, 1), 3)
    d(:, 1) = 10d0 * (s(:, 2) - s(:, 1))
    d(:, 2) = s(:, 1) * (28d0 - s(:, 3)) - s(:, 2)
    d(:, 3) = s(:, 1) * s(:, 2) - 8d0 / 3d0 * s(:, 3)
  end function

  subroutine rk4(s)
    real(c_double), intent(inout) :: s(:, :)
    real(c_double), dimension(size(s, 1), 3) :: k1, k2, k3, k4
    k1 = derivative(s)
    k2 = derivative(s + 0.5d0 * dt * k1)
    k3 = derivative(s + 0.5d0 * dt * k2)
    k4 = derivative(s + dt * k3)
    s = s + dt / 6d0 * (k1 + 2 * k2 + 2 * k3 + k4)
  end subroutine

  subroutine start(s, seed)
    real(c_double), intent(out) :: s(:, :)
    integer, intent(in) :: seed
    integer :: i, size_of_seed
    integer, allocatable :: seeds(:)
    call random_seed(size=size_of_seed)
    allocate(seeds(size_of_seed))
    seeds = seed
    call random_seed(put=seeds)
    call random_number(s)
    s = 20d0 * s - 10d0
    s(:, 3) = s(:, 3) + 25d0
    do i = 1, 500
      call rk4(s)
    end do
  end subroutine

  subroutine advance(s, before, after, e)
    real(c_double), intent(inout) :: s(:, :)
    real(c_float), intent(out) :: before(:, :), after(:, :)
    real(c_double), intent(out) :: e
    integer :: i
    before = real(s, c_float) / scale
    do i = 1, jump
      call rk4(s)
    end do
    after = real(s, c_float) / scale
    e = sum(s**2) / size(s, 1)
  end subroutine

end program lorenz_f
